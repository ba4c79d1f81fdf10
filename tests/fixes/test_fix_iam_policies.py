"""1.16, 1.20, 1.22 fixes against moto: policies moved to groups without losing rights, a support role, admin
policies detached except the caller's own path to admin; each then passes and a second run changes nothing."""

from __future__ import annotations

import json
import re

import boto3

from actions.fixes.iam_policies import (
    admin_policies_plan,
    group_name_for,
    support_role_plan,
    user_policies_to_groups_plan,
)
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one
from tests.support.fixing import assert_nothing_left, fix, fresh_context, run_undo
from tests.support.identity import ADMIN_DOC, become, customer_policy, iam
from wizard.audit.findings import Status
from wizard.aws.context import AwsContext, AwsSettings
from wizard.plans.model import Risk

READ_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
LIST_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]}
SUPPORT_ACCESS = "arn:aws:iam::aws:policy/AWSSupportAccess"
IAM_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")


def user_with(name: str, managed: tuple[str, ...] = (), inline: dict[str, dict] | None = None) -> None:
    iam().create_user(UserName=name)
    for arn in managed:
        iam().attach_user_policy(UserName=name, PolicyArn=arn)
    for policy_name, document in (inline or {}).items():
        iam().put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))


def user_policies(name: str) -> tuple[set[str], set[str]]:
    attached = {p["PolicyArn"] for p in iam().list_attached_user_policies(UserName=name)["AttachedPolicies"]}
    return attached, set(iam().list_user_policies(UserName=name)["PolicyNames"])


def groups_of(name: str) -> list[str]:
    return [g["GroupName"] for g in iam().list_groups_for_user(UserName=name)["Groups"]]


def group_rights(group: str) -> tuple[set[str], dict[str, dict]]:
    """(managed ARNs, inline name -> document) of a group."""
    attached = {p["PolicyArn"] for p in iam().list_attached_group_policies(GroupName=group)["AttachedPolicies"]}
    inline = {
        name: iam().get_group_policy(GroupName=group, PolicyName=name)["PolicyDocument"]
        for name in iam().list_group_policies(GroupName=group)["PolicyNames"]
    }
    return attached, inline


def attached_to(policy_arn: str) -> set[str]:
    reply = iam().list_entities_for_policy(PolicyArn=policy_arn)
    return (
        {f"user:{u['UserName']}" for u in reply["PolicyUsers"]}
        | {f"group:{g['GroupName']}" for g in reply["PolicyGroups"]}
        | {f"role:{r['RoleName']}" for r in reply["PolicyRoles"]}
    )


# -- 1.16 --------------------------------------------------------------------------------------------------
def test_1_16_moves_policies_to_one_group_per_policy_set_keeping_rights(ctx) -> None:
    read = customer_policy("read", READ_DOC)
    user_with("alice", (read,), {"own": LIST_DOC})
    user_with("bob", (read,), {"mine": LIST_DOC})  # same document under another name: same rights
    user_with("carol", (read,))
    iam().create_user(UserName="dave")
    assert audit_one(ctx, "1.16").status is Status.FAIL

    run = fix(ctx, "1.16")
    [plan] = run.selection.plans
    assert plan.id == "user-policies-to-groups"
    operations = [s.operation for s in plan.steps]
    # Every grant comes before the first removal, so nobody is ever without their rights.
    grants = {"CreateGroup", "AttachGroupPolicy", "PutGroupPolicy", "AddUserToGroup"}
    last_grant = max(i for i, op in enumerate(operations) if op in grants)
    first_removal = min(i for i, op in enumerate(operations) if op in {"DetachUserPolicy", "DeleteUserPolicy"})
    assert last_grant < first_removal
    assert operations.count("CreateGroup") == 2
    assert {s.risk for s in plan.steps if s.operation in {"DetachUserPolicy", "DeleteUserPolicy"}} == {Risk.DISRUPTIVE}
    assert sorted(a.split(":")[0] for a in plan.affected) == ["user alice", "user bob", "user carol"]
    assert all(o.ok for o in run.outcomes)

    for name in ("alice", "bob", "carol"):
        assert user_policies(name) == (set(), set())
        [group] = groups_of(name)
        assert group.startswith("cis-") and IAM_NAME.match(group)
        attached, inline = group_rights(group)
        assert attached == {read}
        assert list(inline.values()) == ([LIST_DOC] if name != "carol" else [])
    assert groups_of("alice") == groups_of("bob") != groups_of("carol")
    assert groups_of("dave") == []
    assert audit_one(ctx, "1.16").status is Status.PASS
    assert_nothing_left(ctx, "1.16")
    assert user_policies_to_groups_plan(fresh_context(ctx)).is_empty


def test_1_16_reuses_a_group_that_already_has_exactly_those_policies(ctx) -> None:
    read = customer_policy("read", READ_DOC)
    iam().create_group(GroupName="readers")
    iam().attach_group_policy(GroupName="readers", PolicyArn=read)
    iam().create_group(GroupName="readers-plus")  # more than the set: not reused
    iam().attach_group_policy(GroupName="readers-plus", PolicyArn=read)
    iam().put_group_policy(GroupName="readers-plus", PolicyName="x", PolicyDocument=json.dumps(LIST_DOC))
    user_with("carol", (read,))
    run = fix(ctx, "1.16")
    [plan] = run.selection.plans
    assert "CreateGroup" not in [s.operation for s in plan.steps]
    assert [(s.operation, s.params) for s in plan.steps] == [
        ("AddUserToGroup", {"GroupName": "readers", "UserName": "carol"}),
        ("DetachUserPolicy", {"UserName": "carol", "PolicyArn": read}),
    ]
    assert groups_of("carol") == ["readers"]
    assert audit_one(ctx, "1.16").status is Status.PASS


def test_1_16_undo_gives_the_users_their_policies_back_and_removes_the_new_group(ctx) -> None:
    read = customer_policy("read", READ_DOC)
    user_with("alice", (read,), {"own": LIST_DOC})
    run = fix(ctx, "1.16")
    [group] = groups_of("alice")
    run_undo(ctx, run.selection.plans[0])
    assert user_policies("alice") == ({read}, {"own"})
    assert iam().get_user_policy(UserName="alice", PolicyName="own")["PolicyDocument"] == LIST_DOC
    assert groups_of("alice") == []
    assert group not in [g["GroupName"] for g in iam().list_groups()["Groups"]]


def test_1_16_never_touches_the_callers_own_user(ctx, monkeypatch) -> None:
    read = customer_policy("read", READ_DOC)
    user_with("admin", (read,))
    user_with("carol", (read,))
    caller_ctx, _ = become(monkeypatch, "admin")
    run = fix(caller_ctx, "1.16")
    [plan] = run.selection.plans
    assert "admin" not in json.dumps([s.params for s in plan.steps])
    assert any("Your own user admin keeps its policies" in n for n in plan.notes)
    assert user_policies("admin") == ({read}, set())
    assert user_policies("carol") == (set(), set())
    # Only the caller is left: refused with the reason, no call.
    again = fix(caller_ctx, "1.16")
    assert again.selection.plans == [] and again.journal.entries == []
    [refused] = again.selection.refused
    assert "your own user admin" in (refused.refused or "")


def test_group_names_are_deterministic_valid_and_bounded() -> None:
    policy_set = (("arn:aws:iam::1:policy/a",), ())
    name = group_name_for("cis-", ["ReadOnly", "weird name/with:chars"], policy_set)
    assert name == group_name_for("cis-", ["ReadOnly", "weird name/with:chars"], policy_set)
    assert IAM_NAME.match(name) and name.startswith("cis-ReadOnly-weird-name-with-chars-")
    assert group_name_for("cis-", ["ReadOnly"], (("arn:aws:iam::1:policy/b",), ())) != group_name_for(
        "cis-", ["ReadOnly"], policy_set
    )
    long = group_name_for("a-very-long-prefix-", ["p" * 128] * 10, policy_set)
    assert IAM_NAME.match(long) and len(long) <= 128


# -- 1.20 --------------------------------------------------------------------------------------------------
def test_1_20_creates_a_support_role_trusted_by_the_account(ctx, monkeypatch) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # before moto's IAM backend is first built
    assert audit_one(ctx, "1.20").status is Status.FAIL
    run = fix(ctx, "1.20")
    [plan] = run.selection.plans
    assert [s.operation for s in plan.steps] == ["CreateRole", "AttachRolePolicy"]
    assert [u.operation for u in plan.undo] == ["DetachRolePolicy", "DeleteRole"]
    assert all(o.ok for o in run.outcomes)
    role = iam().get_role(RoleName="cis-support")["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    attached = iam().list_attached_role_policies(RoleName="cis-support")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [SUPPORT_ACCESS]
    assert audit_one(ctx, "1.20").status is Status.PASS
    assert_nothing_left(ctx, "1.20")
    assert support_role_plan(fresh_context(ctx)).is_empty
    run_undo(ctx, plan)
    assert "cis-support" not in [r["RoleName"] for r in iam().list_roles()["Roles"]]


def test_1_20_reuses_an_existing_role_of_that_name(ctx, monkeypatch) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    iam().create_role(RoleName="cis-support", AssumeRolePolicyDocument=json.dumps(ADMIN_DOC))
    run = fix(ctx, "1.20")
    [plan] = run.selection.plans
    assert [s.operation for s in plan.steps] == ["AttachRolePolicy"]
    assert [u.operation for u in plan.undo] == ["DetachRolePolicy"]  # the role was there before: it stays
    assert audit_one(ctx, "1.20").status is Status.PASS


# -- 1.22 --------------------------------------------------------------------------------------------------
def test_1_22_detaches_admin_policies_from_every_entity(ctx) -> None:
    god = customer_policy("god", ADMIN_DOC)
    read = customer_policy("read", READ_DOC)
    user_with("alice", (god, read))
    iam().create_group(GroupName="ops")
    iam().attach_group_policy(GroupName="ops", PolicyArn=god)
    iam().add_user_to_group(GroupName="ops", UserName="alice")
    iam().create_role(RoleName="deploy", AssumeRolePolicyDocument="{}")
    iam().attach_role_policy(RoleName="deploy", PolicyArn=god)
    assert audit_one(ctx, "1.22").status is Status.FAIL

    run = fix(ctx, "1.22")
    [plan] = run.selection.plans
    assert plan.refused is None
    assert sorted(s.operation for s in plan.steps) == ["DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy"]
    assert {s.risk for s in plan.steps} == {Risk.DISRUPTIVE}
    assert sorted(u.operation for u in plan.undo) == ["AttachGroupPolicy", "AttachRolePolicy", "AttachUserPolicy"]
    assert any("group ops (members: alice)" in a for a in plan.affected)
    assert attached_to(god) == set()
    assert attached_to(read) == {"user:alice"}  # not an admin policy: untouched
    assert audit_one(ctx, "1.22").status is Status.PASS
    assert_nothing_left(ctx, "1.22")
    assert admin_policies_plan(fresh_context(ctx)).is_empty
    run_undo(ctx, plan)
    assert attached_to(god) == {"user:alice", "group:ops", "role:deploy"}


def test_1_22_refuses_the_callers_path_to_admin_and_detaches_the_rest(ctx, monkeypatch) -> None:
    own = customer_policy("own-admin", ADMIN_DOC)
    direct = customer_policy("direct-admin", ADMIN_DOC)
    other = customer_policy("other-admin", ADMIN_DOC)
    iam().create_user(UserName="admin")
    iam().create_group(GroupName="admins")
    iam().add_user_to_group(GroupName="admins", UserName="admin")
    iam().attach_group_policy(GroupName="admins", PolicyArn=own)
    iam().attach_user_policy(UserName="admin", PolicyArn=direct)
    user_with("alice", (other, own))
    caller_ctx, _ = become(monkeypatch, "admin")

    run = fix(caller_ctx, "1.22")
    [plan] = run.selection.plans
    assert [(s.operation, s.params) for s in plan.steps] == [
        ("DetachUserPolicy", {"UserName": "alice", "PolicyArn": other})
    ]
    reason = plan.refused or ""
    assert f"{own} stays attached: it is your own path to admin" in reason
    assert "group admins, which your user is in" in reason
    assert f"{direct} stays attached" in reason and "attached to your user admin" in reason
    assert plan in run.selection.refused
    assert attached_to(other) == set()
    assert attached_to(own) == {"group:admins", "user:alice"}  # the whole policy is left as it is
    assert attached_to(direct) == {"user:admin"}
    assert audit_one(caller_ctx, "1.22").status is Status.FAIL

    again = fix(caller_ctx, "1.22")
    assert again.selection.plans == [] and again.journal.entries == []
    [refused] = again.selection.refused
    assert "your own path to admin" in (refused.refused or "")


def test_1_22_refuses_the_callers_role(ctx, monkeypatch) -> None:
    god = customer_policy("god", ADMIN_DOC)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    role_arn = iam().create_role(RoleName="break-glass", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam().attach_role_policy(RoleName="break-glass", PolicyArn=god)
    credentials = boto3.client("sts", region_name=HOME).assume_role(RoleArn=role_arn, RoleSessionName="me")[
        "Credentials"
    ]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    caller_ctx = AwsContext(AwsSettings(region=HOME, regions=f"{HOME},{OTHER}"))
    assert ":assumed-role/break-glass/me" in caller_ctx.identity().arn
    plan = admin_policies_plan(fresh_context(caller_ctx))
    assert plan.is_empty
    assert "attached to your role break-glass" in (plan.refused or "")
    assert attached_to(god) == {"role:break-glass"}


def test_1_20_is_refused_where_aws_support_access_does_not_exist(ctx) -> None:
    """moto without its managed policies stands for such an endpoint: the plan must not fail half-way."""
    run = fix(ctx, "1.20")
    assert run.selection.plans == [] and run.journal.entries == []
    [refused] = run.selection.refused
    assert f"{SUPPORT_ACCESS} does not exist here" in (refused.refused or "")
