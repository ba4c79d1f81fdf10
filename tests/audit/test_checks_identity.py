"""Section 1 checks against moto: a failing and a passing setup for each control."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from tests.support.accounts import HOME, OTHER
from tests.support.auditing import audit_one, statuses
from tests.support.contacts import COMPLETE_CONTACT
from tests.support.identity import (
    ADMIN_DOC,
    CIS_PASSWORD_POLICY,
    NOW,
    PASSWORD_CONTROLS,
    age_user,
    console_user,
    customer_policy,
    document,
    iam,
)
from wizard.audit.findings import Status
from wizard.sandbox.root_account import RootAccountState


# -- 1.1 root use -------------------------------------------------------------------------------------------
def test_1_1_fails_when_root_signed_in_recently(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=True, password_last_used=NOW - timedelta(days=3)))
    finding = audit_one(ctx, "1.1")
    assert finding.status is Status.FAIL
    assert "password was used 3 day(s) ago" in finding.resources[0].reason


def test_1_1_passes_when_root_unused(ctx, seed_root) -> None:
    seed_root(RootAccountState(password_last_used=NOW - timedelta(days=200)))
    assert audit_one(ctx, "1.1").status is Status.PASS


def test_1_1_errors_without_root_row(ctx) -> None:
    finding = audit_one(ctx, "1.1")
    assert finding.status is Status.ERROR
    assert finding.error_code == "MissingRootRow"


# -- 1.2 MFA for console users ------------------------------------------------------------------------------
def test_1_2_names_console_users_without_mfa(ctx) -> None:
    console_user("alice")
    console_user("bob", mfa=True)
    iam().create_user(UserName="robot")  # no console password: not in scope
    finding = audit_one(ctx, "1.2")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"alice": Status.FAIL, "bob": Status.PASS}


def test_1_2_passes_when_every_console_user_has_mfa(ctx) -> None:
    console_user("bob", mfa=True)
    assert audit_one(ctx, "1.2").status is Status.PASS


# -- 1.3 unused credentials ---------------------------------------------------------------------------------
def test_1_3_fails_for_old_never_used_key(ctx) -> None:
    iam().create_user(UserName="stale")
    iam().create_access_key(UserName="stale")
    iam().create_user(UserName="fresh")
    iam().create_access_key(UserName="fresh")
    age_user("stale", 120)
    finding = audit_one(ctx, "1.3")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"stale:access_key_1": Status.FAIL, "fresh:access_key_1": Status.PASS}


def test_1_3_ignores_inactive_keys(ctx) -> None:
    iam().create_user(UserName="stale")
    key = iam().create_access_key(UserName="stale")["AccessKey"]["AccessKeyId"]
    iam().update_access_key(UserName="stale", AccessKeyId=key, Status="Inactive")
    age_user("stale", 120)
    assert audit_one(ctx, "1.3").status is Status.PASS


# -- 1.4 key rotation ----------------------------------------------------------------------------------------
def test_1_4_fails_for_key_older_than_90_days(ctx) -> None:
    iam().create_user(UserName="old")
    iam().create_access_key(UserName="old")
    age_user("old", 91)
    finding = audit_one(ctx, "1.4")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"old:access_key_1": Status.FAIL}


def test_1_4_passes_for_recent_key(ctx) -> None:
    iam().create_user(UserName="new")
    iam().create_access_key(UserName="new")
    assert audit_one(ctx, "1.4").status is Status.PASS


# -- 1.5-1.11 password policy --------------------------------------------------------------------------------


@pytest.mark.parametrize("control_id", PASSWORD_CONTROLS)
def test_password_controls_fail_without_policy(ctx, control_id: str) -> None:
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.FAIL
    assert "no password policy" in finding.resources[0].reason
    assert finding.evidence[0].operation == "iam:GetAccountPasswordPolicy"
    assert finding.evidence[0].cli == "aws iam get-account-password-policy --region us-east-1"


@pytest.mark.parametrize("control_id", PASSWORD_CONTROLS)
def test_password_controls_pass_with_cis_policy(ctx, control_id: str) -> None:
    iam().update_account_password_policy(**CIS_PASSWORD_POLICY)
    assert audit_one(ctx, control_id).status is Status.PASS


@pytest.mark.parametrize(
    ("control_id", "weakened"),
    [
        ("1.5", {"RequireUppercaseCharacters": False}),
        ("1.6", {"RequireLowercaseCharacters": False}),
        ("1.7", {"RequireSymbols": False}),
        ("1.8", {"RequireNumbers": False}),
        ("1.9", {"MinimumPasswordLength": 13}),
        ("1.10", {"PasswordReusePrevention": 23}),
        ("1.11", {"MaxPasswordAge": 91}),
    ],
)
def test_password_controls_fail_one_short(ctx, control_id: str, weakened: dict) -> None:
    iam().update_account_password_policy(**{**CIS_PASSWORD_POLICY, **weakened})
    assert audit_one(ctx, control_id).status is Status.FAIL


def test_1_11_fails_when_passwords_never_expire(ctx) -> None:
    policy = {k: v for k, v in CIS_PASSWORD_POLICY.items() if k != "MaxPasswordAge"}
    iam().update_account_password_policy(**policy)
    assert audit_one(ctx, "1.11").status is Status.FAIL


# -- 1.12-1.14 root keys and MFA -----------------------------------------------------------------------------
def test_1_12_fails_with_root_key(ctx, seed_root) -> None:
    seed_root(RootAccountState(access_key_active=True))
    assert audit_one(ctx, "1.12").status is Status.FAIL


def test_1_12_passes_without_root_key(ctx, seed_root) -> None:
    seed_root(RootAccountState())
    assert audit_one(ctx, "1.12").status is Status.PASS


def test_1_13_fails_without_root_mfa(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=False))
    assert audit_one(ctx, "1.13").status is Status.FAIL


def test_1_13_passes_with_root_mfa(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=True))
    assert audit_one(ctx, "1.13").status is Status.PASS


def test_1_14_fails_when_root_mfa_is_virtual(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=True))
    iam().create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")
    finding = audit_one(ctx, "1.14")
    assert finding.status is Status.FAIL
    assert "virtual" in finding.resources[0].reason


def test_1_14_fails_without_any_root_mfa(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=False))
    assert audit_one(ctx, "1.14").status is Status.FAIL


def test_1_14_passes_with_hardware_mfa(ctx, seed_root) -> None:
    seed_root(RootAccountState(mfa_enabled=True))
    iam().create_virtual_mfa_device(VirtualMFADeviceName="someone-else")  # a user's device does not count
    assert audit_one(ctx, "1.14").status is Status.PASS


def test_1_15_is_manual(ctx) -> None:
    finding = audit_one(ctx, "1.15")
    assert finding.status is Status.MANUAL
    assert finding.evidence == ()


# -- 1.16 policies only on groups or roles ---------------------------------------------------------------------
def test_1_16_fails_for_attached_and_inline_user_policies(ctx) -> None:
    client = iam()
    arn = customer_policy("read", document({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}))
    for name in ("attached", "inline", "clean"):
        client.create_user(UserName=name)
    client.attach_user_policy(UserName="attached", PolicyArn=arn)
    client.put_user_policy(
        UserName="inline",
        PolicyName="own",
        PolicyDocument=json.dumps(document({"Effect": "Allow", "Action": "s3:List*", "Resource": "*"})),
    )
    finding = audit_one(ctx, "1.16")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"attached": Status.FAIL, "inline": Status.FAIL, "clean": Status.PASS}


def test_1_16_passes_when_policies_come_from_groups(ctx) -> None:
    client = iam()
    client.create_group(GroupName="readers")
    client.create_user(UserName="u")
    client.add_user_to_group(GroupName="readers", UserName="u")
    assert audit_one(ctx, "1.16").status is Status.PASS


# -- 1.17 / 1.18 contacts -------------------------------------------------------------------------------------
def test_1_17_reports_an_unsupported_api_as_error_with_its_code(stock_moto_account_api, ctx) -> None:
    finding = audit_one(ctx, "1.17")  # moto does not implement account:GetContactInformation
    assert finding.status is Status.ERROR
    assert finding.error_code
    assert "GetContactInformation" in finding.summary


def test_1_17_fails_where_no_contact_information_was_ever_set(contact_api, ctx) -> None:
    finding = audit_one(ctx, "1.17")  # the contact API answers ResourceNotFoundException
    assert finding.status is Status.FAIL
    assert "FullName" in finding.resources[0].reason


def test_1_17_passes_with_complete_contact_information(contact_api, ctx) -> None:
    boto3.client("account", region_name=HOME).put_contact_information(ContactInformation=COMPLETE_CONTACT)
    assert audit_one(ctx, "1.17").status is Status.PASS


def test_1_18_fails_without_security_contact(ctx) -> None:
    assert audit_one(ctx, "1.18").status is Status.FAIL


def test_1_18_passes_with_security_contact(ctx) -> None:
    boto3.client("account", region_name=HOME).put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="sec@example.com",
        Name="Security",
        PhoneNumber="+15555550100",
        Title="SecOps",
    )
    assert audit_one(ctx, "1.18").status is Status.PASS


# -- 1.19 instance roles ----------------------------------------------------------------------------------------
def _run_instance(region: str, profile: str | None = None) -> str:
    ec2 = boto3.client("ec2", region_name=region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    params = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro"}
    if profile:
        params["IamInstanceProfile"] = {"Name": profile}
    return ec2.run_instances(**params)["Instances"][0]["InstanceId"]


def test_1_19_fails_for_instance_without_role_in_other_region(ctx) -> None:
    client = iam()
    client.create_role(RoleName="app", AssumeRolePolicyDocument="{}")
    client.create_instance_profile(InstanceProfileName="app")
    client.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    with_role = _run_instance(HOME, "app")
    without = _run_instance(OTHER)
    finding = audit_one(ctx, "1.19")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {with_role: Status.PASS, without: Status.FAIL}
    assert {r.region for r in finding.resources} == {HOME, OTHER}


def test_1_19_not_applicable_without_instances(ctx) -> None:
    assert audit_one(ctx, "1.19").status is Status.NOT_APPLICABLE


# -- 1.20 support role ------------------------------------------------------------------------------------------
def test_1_20_fails_without_support_role(ctx) -> None:
    assert audit_one(ctx, "1.20").status is Status.FAIL


def test_1_20_passes_with_support_role(ctx, monkeypatch) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # before moto's IAM backend is first built
    client = iam()
    client.create_role(RoleName="support", AssumeRolePolicyDocument="{}")
    client.create_role(RoleName="other", AssumeRolePolicyDocument="{}")
    client.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    finding = audit_one(ctx, "1.20")
    assert finding.status is Status.PASS
    assert statuses(finding) == {"support": Status.PASS}


# -- 1.21 keys at initial setup ----------------------------------------------------------------------------------
def test_1_21_fails_for_console_user_with_unused_key(ctx) -> None:
    console_user("alice")
    iam().create_access_key(UserName="alice")
    iam().create_user(UserName="robot")
    iam().create_access_key(UserName="robot")  # programmatic-only user: out of scope
    finding = audit_one(ctx, "1.21")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"alice:access_key_1": Status.FAIL}


def test_1_21_passes_when_console_users_have_no_keys(ctx) -> None:
    console_user("alice")
    assert audit_one(ctx, "1.21").status is Status.PASS


# -- 1.22 full admin policies --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}],
        [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:*", "*"], "Resource": "*"},
        ],
    ],
)
def test_1_22_fails_for_attached_admin_policy_in_any_shape(ctx, statement) -> None:
    client = iam()
    arn = customer_policy("god", {"Version": "2012-10-17", "Statement": statement})
    client.create_group(GroupName="admins")
    client.attach_group_policy(GroupName="admins", PolicyArn=arn)
    finding = audit_one(ctx, "1.22")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}


def test_1_22_passes_for_scoped_and_unattached_policies(ctx) -> None:
    client = iam()
    scoped = customer_policy("s3", document({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}))
    client.create_group(GroupName="g")
    client.attach_group_policy(GroupName="g", PolicyArn=scoped)
    customer_policy("unused-admin", ADMIN_DOC)
    assert audit_one(ctx, "1.22").status is Status.PASS


def test_1_22_a_deny_statement_is_not_admin(ctx) -> None:
    client = iam()
    arn = customer_policy("deny", document({"Effect": "Deny", "Action": "*", "Resource": "*"}))
    client.create_group(GroupName="g")
    client.attach_group_policy(GroupName="g", PolicyArn=arn)
    assert audit_one(ctx, "1.22").status is Status.PASS
