"""Secrets never enter the audit log: names, values, CLI flags and echoes are redacted at any depth."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from wizard.audit_log import AuditLog, Kind, read_log, verify_log
from wizard.audit_log.redact import REDACTED, Redactor, is_secret_name, redact
from wizard.aws.cli_commands import render_cli

# -- redaction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "SecretAccessKey",
        "secret_access_key",
        "aws_secret_access_key",
        "Password",
        "NewPassword",
        "OldPassword",
        "MasterUserPassword",
        "db-password",
        "SessionToken",
        "aws_session_token",
        "X-Amz-Security-Token",
        "client_secret",
        "SecretString",
        "PrivateKey",
        "KeyMaterial",
        "Base32StringSeed",
        "QRCodePNG",
        "AuthenticationCode1",
        "TokenCode",
        "WebIdentityToken",
        "Plaintext",
        "api_key",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "AccessKeyId",
        "MinimumPasswordLength",
        "PasswordPolicy",
        "PasswordReusePrevention",
        "MaxPasswordAge",
        "password_last_used",
        "password_enabled",
        "PasswordLastUsed",
        "NextToken",
        "ClientToken",
        "SecretId",
        "SecretArn",
        "UserName",
        "Marker",
    ],
)
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_secrets_are_redacted_at_any_depth() -> None:
    payload = {
        "params": {"UserName": "bob", "Password": "hunter2!x"},
        "response": {
            "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t/KEY+value", "SessionToken": "tok"},
            "Items": [{"deep": [{"client_secret": "abc123456"}]}],
        },
    }
    assert redact(payload) == {
        "params": {"UserName": "bob", "Password": REDACTED},
        "response": {
            "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": REDACTED, "SessionToken": REDACTED},
            "Items": [{"deep": [{"client_secret": REDACTED}]}],
        },
    }


def test_a_password_policy_is_evidence_not_a_secret() -> None:
    policy = {
        "PasswordPolicy": {
            "MinimumPasswordLength": 14,
            "RequireSymbols": True,
            "AllowUsersToChangePassword": True,
            "PasswordReusePrevention": 24,
            "MaxPasswordAge": 90,
            "HardExpiry": False,
        },
        "PasswordLastUsed": "2025-05-01T09:30:00+00:00",
        "NextToken": "page-2",
    }
    assert redact(policy) == policy


def test_parameters_named_like_secrets_in_name_value_pairs() -> None:
    payload = {
        "Parameters": [
            {"ParameterKey": "DbPassword", "ParameterValue": "pa55word!"},
            {"ParameterKey": "InstanceType", "ParameterValue": "t3.micro"},
        ],
        "ssm": {"Name": "/app/db-url", "Value": "postgres://u:pw@h/db", "Type": "SecureString"},
        "plain": {"Name": "/app/region", "Value": "eu-west-1", "Type": "String"},
    }
    cleaned = redact(payload)
    assert cleaned["Parameters"][0]["ParameterValue"] == REDACTED
    assert cleaned["Parameters"][1]["ParameterValue"] == "t3.micro"
    assert cleaned["ssm"]["Value"] == REDACTED
    assert cleaned["plain"]["Value"] == "eu-west-1"


def test_secret_cli_flags_and_echoes_of_a_secret_are_scrubbed() -> None:
    payload = {
        "params": {"UserName": "bob", "Password": "Tr0ub4dor&3"},
        "cli": "aws iam create-login-profile --user-name bob --password 'Tr0ub4dor&3' --password-reset-required",
        "note": "set Tr0ub4dor&3 for bob",
        "other": "aws sts get-session-token --token-code 123456 --serial-number arn:mfa",
    }
    cleaned = redact(payload)
    assert "Tr0ub4dor&3" not in json.dumps(cleaned)
    assert cleaned["cli"].startswith("aws iam create-login-profile --user-name bob --password [REDACTED]")
    assert cleaned["cli"].endswith("--password-reset-required")
    assert "123456" not in cleaned["other"] and "--serial-number arn:mfa" in cleaned["other"]


def test_boolean_flags_named_like_passwords_keep_the_next_flag() -> None:
    params = {"MinimumPasswordLength": 14, "AllowUsersToChangePassword": True, "HardExpiry": False}
    cli = render_cli("iam", "UpdateAccountPasswordPolicy", params, "us-east-1")
    assert "--allow-users-to-change-password --no-hard-expiry --region us-east-1" in cli
    assert redact({"params": params, "cli": cli}) == {"params": params, "cli": cli}


def test_a_secret_seen_once_is_scrubbed_from_later_records() -> None:
    redactor = Redactor()
    redactor.redact({"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG"})
    assert redactor.redact({"message": "key wJalrXUtnFEMI/K7MDENG was rejected"}) == {
        "message": f"key {REDACTED} was rejected"
    }


def test_no_secret_of_a_create_access_key_response_reaches_the_file(log: AuditLog, log_path: Path) -> None:
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="deploy")
        params = {"UserName": "deploy"}
        with log.session({"command": "apply"}):
            token = log.call_intent(
                {
                    "service": "iam",
                    "operation": "CreateAccessKey",
                    "region": "us-east-1",
                    "params": params,
                    "cli": render_cli("iam", "CreateAccessKey", params, "us-east-1"),
                },
                control_id="1.4",
            )
            response = iam.create_access_key(**params)
            log.call_result(token, "ok", response=response)
            secret = response["AccessKey"]["SecretAccessKey"]
            log.record(Kind.VERIFY, {"status": "PASS", "summary": f"new key works ({secret})"}, control_id="1.4")
    data = log_path.read_bytes()
    assert len(secret) >= 20
    assert secret.encode() not in data
    assert json.dumps(secret).strip('"').encode() not in data  # nor JSON-escaped
    result = next(r for r in read_log(log_path).records if r.kind == Kind.RESULT)
    assert result.payload["response"]["AccessKey"]["AccessKeyId"] == response["AccessKey"]["AccessKeyId"]
    assert result.payload["response"]["AccessKey"]["SecretAccessKey"] == REDACTED
    assert verify_log(log_path).intact
