"""IAM users as section 1 sees them, seeded in moto: console users, with or without MFA, made as old as a test
needs (moto's own objects carry the dates the credential report shows)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.iam.models import iam_backends

from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from wizard.aws.context import AwsContext, AwsSettings

NOW = datetime.now(UTC)
PASSWORD_CONTROLS = ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11")
CIS_PASSWORD_POLICY: dict[str, Any] = dict(
    MinimumPasswordLength=14,
    RequireSymbols=True,
    RequireNumbers=True,
    RequireUppercaseCharacters=True,
    RequireLowercaseCharacters=True,
    MaxPasswordAge=90,
    PasswordReusePrevention=24,
)
ADMIN_DOC = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}


def iam() -> Any:
    return boto3.client("iam", region_name=HOME)


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """An IAM policy document holding these statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def customer_policy(name: str, document: dict[str, Any]) -> str:
    """A customer-managed policy; its ARN."""
    return iam().create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]


def backend_user(name: str) -> Any:
    return iam_backends[ACCOUNT_ID]["aws"].users[name]


def console_user(name: str, mfa: bool = False) -> None:
    client = iam()
    client.create_user(UserName=name)
    client.create_login_profile(UserName=name, Password="Correct-Horse-42!")
    if mfa:
        serial = client.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        client.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )


def age_user(name: str, days: int) -> None:
    """Make the user (and its keys) as old as `days`, as if created then."""
    user = backend_user(name)
    user.create_date = NOW - timedelta(days=days)
    for key in user.access_keys:
        key.create_date = NOW - timedelta(days=days)
    if user.password:
        user.password_last_changed = NOW - timedelta(days=days)  # not all moto versions track this


def become(monkeypatch: pytest.MonkeyPatch, user: str) -> tuple[AwsContext, str]:
    """A context whose caller is IAM user `user`, signing with a new key of its own (returned)."""
    key = iam().create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    ctx = AwsContext(AwsSettings(region=HOME, regions=f"{HOME},{OTHER}"))
    assert ctx.identity().arn.endswith(f":user/{user}")
    return ctx, key["AccessKeyId"]
