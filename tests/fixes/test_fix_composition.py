"""Plans meet each other: each case applies the whole set in one run, with no failed step, every control it
was asked to fix passing after, and nothing left for a second run."""

from __future__ import annotations

import json

import boto3
import pytest

from actions.options import FixOptions
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one
from tests.support.fixing import FixRun, fix
from tests.support.identity import ADMIN_DOC, age_user, console_user, customer_policy, iam
from wizard.audit.findings import Status
from wizard.aws.context import AwsContext

READ_ONLY_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}


def applied_cleanly(ctx: AwsContext, *control_ids: str, options: FixOptions | None = None) -> FixRun:
    """Fix `control_ids` in one run: no failed step, each passes after, and a second run has nothing to do."""
    run = fix(ctx, *control_ids, options=options)
    failures = [(o.plan.id, o.failure) for o in run.outcomes if not o.ok]
    assert failures == []
    for control_id in control_ids:
        assert audit_one(ctx, control_id).status is Status.PASS, (control_id, audit_one(ctx, control_id).summary)
    again = fix(ctx, *control_ids, options=options)
    assert [step.cli() for plan in again.selection.plans for step in plan.steps] == []
    assert again.journal.entries == []
    return run


def alice_with_admin_and_reader() -> tuple[str, str]:
    """Console user alice with two customer-managed policies attached to her: FullAdmin and Reader (their ARNs)."""
    console_user("alice")
    admin = customer_policy("FullAdmin", ADMIN_DOC)
    reader = customer_policy("Reader", READ_ONLY_DOC)
    iam().attach_user_policy(UserName="alice", PolicyArn=admin)
    iam().attach_user_policy(UserName="alice", PolicyArn=reader)
    return admin, reader


def operations(run: FixRun) -> list[tuple[str, str]]:
    return [(plan.id, step.operation) for plan in run.selection.plans for step in plan.steps]


# -- 1.16 + 1.22 ------------------------------------------------------------------------------------------
def test_1_16_and_1_22_on_the_same_user_detach_the_admin_policy_once(ctx) -> None:
    admin, reader = alice_with_admin_and_reader()

    run = applied_cleanly(ctx, "1.16", "1.22")

    ids = [plan.id for plan in run.selection.plans]
    assert ids == ["admin-policies", "user-policies-to-groups"]  # 1.22 first; 1.16 moves what is left
    detaches = [s for s in run.selection.plans[0].steps if s.operation == "DetachUserPolicy"]
    assert [s.params["PolicyArn"] for s in detaches] == [admin]
    moved = run.selection.plans[1]
    attached = [s.params["PolicyArn"] for s in moved.steps if s.operation == "AttachGroupPolicy"]
    assert attached == [reader]  # FullAdmin is not carried into the new group
    assert any("FullAdmin is removed by the plan admin-policies" in note for note in moved.notes)
    assert moved.requires and "admin-policies" in moved.requires
    groups = iam().list_groups_for_user(UserName="alice")["Groups"]
    [group] = groups
    assert [
        p["PolicyArn"] for p in iam().list_attached_group_policies(GroupName=group["GroupName"])["AttachedPolicies"]
    ] == [reader]
    assert iam().list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []


def test_1_16_and_1_22_when_the_admin_policy_is_also_on_a_group_and_a_role(ctx) -> None:
    admin, reader = alice_with_admin_and_reader()
    # An existing group with exactly alice's policies, and a role with the admin policy.
    iam().create_group(GroupName="ops")
    iam().attach_group_policy(GroupName="ops", PolicyArn=admin)
    iam().attach_group_policy(GroupName="ops", PolicyArn=reader)
    iam().create_user(UserName="bob")
    iam().add_user_to_group(GroupName="ops", UserName="bob")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam().create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))
    iam().attach_role_policy(RoleName="app", PolicyArn=admin)

    run = applied_cleanly(ctx, "1.16", "1.22")

    detached = {
        (s.operation, s.params.get("UserName") or s.params.get("GroupName") or s.params.get("RoleName"))
        for plan in run.selection.plans
        for s in plan.steps
        if s.operation.startswith("Detach")
    }
    assert detached >= {("DetachUserPolicy", "alice"), ("DetachGroupPolicy", "ops"), ("DetachRolePolicy", "app")}
    # ops, without FullAdmin, now has exactly alice's remaining policies: she joins it, no new group is made.
    assert [g["GroupName"] for g in iam().list_groups_for_user(UserName="alice")["Groups"]] == ["ops"]
    assert not any(s.operation == "CreateGroup" for plan in run.selection.plans for s in plan.steps)


# -- 1.3 / 1.4 / 1.21 on the same key ---------------------------------------------------------------------
def test_one_old_unused_setup_key_is_deactivated_once_for_1_3_1_4_and_1_21(ctx) -> None:
    console_user("carol")
    key = iam().create_access_key(UserName="carol")["AccessKey"]["AccessKeyId"]
    age_user("carol", 200)  # the key: 200 days old (1.4), never used (1.3 after 90 days, 1.21)
    for control_id in ("1.3", "1.4", "1.21"):
        assert audit_one(ctx, control_id).status is Status.FAIL

    run = applied_cleanly(ctx, "1.3", "1.4", "1.21")

    deactivations = [
        (plan.id, s.params["AccessKeyId"])
        for plan in run.selection.plans
        for s in plan.steps
        if s.operation == "UpdateAccessKey"
    ]
    assert [k for _, k in deactivations] == [key]  # once, by the first plan
    first = run.selection.plans[0]
    assert set(first.control_ids) >= {"1.3", "1.4", "1.21"}  # it fixes all three, and is logged for all three
    verified = {r.control.id for r in run.after.results}
    assert verified >= {"1.3", "1.4", "1.21"}


# -- 4.1 + 4.2 + 4.3 on one rule of a default group -----------------------------------------------------------
def test_one_world_open_rule_of_a_default_group_is_revoked_once_for_4_1_4_2_and_4_3(ctx) -> None:
    ec2 = boto3.client("ec2", region_name=HOME)
    default = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][
        0
    ]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=default, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    run = applied_cleanly(ctx, "4.1", "4.2", "4.3")
    revoked = [
        json.dumps(p, sort_keys=True)
        for plan in run.selection.plans
        for s in plan.steps
        if s.operation == "RevokeSecurityGroupIngress" and s.params["GroupId"] == default
        for p in s.params["IpPermissions"]
    ]
    assert len(revoked) == len(set(revoked))  # no rule part is revoked by two plans


# -- a new trail, and the fixes that work on it ---------------------------------------------------------------
def test_a_new_trail_and_2_2_to_2_7_on_it(ctx) -> None:
    run = applied_cleanly(ctx, "2.1", "2.2", "2.3", "2.4", "2.6", "2.7")
    trails = boto3.client("cloudtrail", region_name=HOME).describe_trails()["trailList"]
    assert len(trails) == 1
    trail = trails[0]
    assert trail["LogFileValidationEnabled"] and trail.get("KmsKeyId") and trail.get("CloudWatchLogsLogGroupArn")
    assert next(p.id for p in run.selection.plans) == "cloudtrail"


def test_2_4s_new_log_group_carries_the_3_x_filters(ctx) -> None:
    run = applied_cleanly(ctx, "3.1", "3.4", "3.10", options=FixOptions(alarm_endpoint="sec@example.com"))
    log_group_steps = [s for plan in run.selection.plans for s in plan.steps if s.operation == "CreateLogGroup"]
    [create] = log_group_steps
    filters = boto3.client("logs", region_name=HOME).describe_metric_filters(
        logGroupName=create.params["logGroupName"]
    )["metricFilters"]
    assert len(filters) == 3
    alarms = run.selection.plans[-1]
    assert alarms.id == "cis-alarms" and alarms.control_ids == ("3.1", "3.4", "3.10")  # as chosen, not 3.1-3.14


# -- the buckets of 2.1, 2.5, 2.6 and 2.9 -------------------------------------------------------------------------
def test_the_trail_bucket_named_like_the_config_bucket_is_made_once_with_both_policies(ctx) -> None:
    shared = f"cis-config-{ACCOUNT_ID}"
    options = FixOptions(trail_bucket=shared)
    run = applied_cleanly(ctx, "2.1", "2.5", "2.6", "2.9", options=options)
    creates = [s.params["Bucket"] for plan in run.selection.plans for s in plan.steps if s.operation == "CreateBucket"]
    assert len(creates) == len(set(creates)) and shared in creates
    policy = json.loads(boto3.client("s3", region_name=HOME).get_bucket_policy(Bucket=shared)["Policy"])
    principals = {s["Principal"]["Service"] for s in policy["Statement"]}
    assert principals == {"cloudtrail.amazonaws.com", "config.amazonaws.com"}


@pytest.mark.parametrize("region", [HOME, OTHER])
def test_every_bucket_the_fixes_make_is_private(ctx, region: str) -> None:
    applied_cleanly(ctx, "2.1", "2.5", "2.6", "2.9")
    s3 = boto3.client("s3", region_name=region)
    for bucket in s3.list_buckets()["Buckets"]:
        block = s3.get_public_access_block(Bucket=bucket["Name"])["PublicAccessBlockConfiguration"]
        assert all(block.values()), bucket["Name"]
