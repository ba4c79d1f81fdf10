"""The audit log's writer API, record format, keys (keyring and 0600 fallback) and redaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import boto3
import botocore.exceptions
import keyring.backends.fail
import keyring.core
import pytest
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from moto import mock_aws

from tests.conftest import ACCOUNT_ID
from wizard.audit.findings import Evidence, Finding, Status
from wizard.audit_log import AuditLog, AuditLogError, Kind, read_log, verify_log
from wizard.audit_log import keys as log_keys
from wizard.audit_log.paths import default_log_path, head_file_path, key_file_path
from wizard.audit_log.records import GENESIS_HASH, canonical_json, to_jsonable
from wizard.audit_log.redact import REDACTED, Redactor, is_secret_name, redact
from wizard.aws.cli_commands import render_cli
from wizard.errors import UsageError

CALLER = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
OTHER_ACCOUNT = "210987654321"


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict. Never picked by keyring on its own: tests install it explicitly."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test keyring, only ever set explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class ForgetfulKeyring(MemoryKeyring):
    """Like keyring's empty chain: accepts a password and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


def use_keyring(monkeypatch: pytest.MonkeyPatch, backend: KeyringBackend) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MemoryKeyring:
    """Every test: an in-memory keyring, a throw-away data directory, the fallback notice not yet given."""
    backend = MemoryKeyring()
    use_keyring(monkeypatch, backend)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(log_keys, "_fallback_announced", False)
    return backend


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "logs" / f"{ACCOUNT_ID}.jsonl"


@pytest.fixture
def log(log_path: Path) -> Iterator[AuditLog]:
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as opened:
        yield opened


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- records -----------------------------------------------------------------------------------------


def test_every_record_carries_who_what_when_and_is_chained_and_signed(log: AuditLog, log_path: Path) -> None:
    with log.session({"command": "apply"}) as session_id:
        log.record(Kind.FINDING, {"status": "FAIL", "summary": "no policy"}, control_id="1.5")
        token = log.call_intent({"service": "iam", "operation": "GetUser", "region": "us-east-1"}, "1.5")
        log.call_result(token, "ok", response={"User": {"UserName": "bob"}})
    raw = log_path.read_bytes().splitlines()
    records = [json.loads(line) for line in raw]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert [r["kind"] for r in records] == ["session-start", "finding", "call", "result", "session-end"]
    assert records[0]["prev"] == GENESIS_HASH
    for previous, line, record in zip(raw, raw[1:], records[1:], strict=False):
        assert record["prev"] == hashlib.sha256(previous).hexdigest()
        assert line == canonical_json(record)  # the file holds canonical JSON: sorted keys, no spaces
    for record in records:
        assert record["account"] == ACCOUNT_ID and record["caller"] == CALLER
        assert record["user"] and record["host"] and record["version"]
        assert record["session"] == session_id
        assert len(record["hmac"]) == 64
        assert dt.datetime.fromisoformat(record["time"]).utcoffset() == dt.timedelta(0)
        assert record["time"].endswith("Z")
    assert records[1]["control"] == "1.5" and records[0]["control"] is None
    assert records[0]["payload"]["command"] == "apply"
    assert records[-1]["payload"] == {"status": "ok", "records": 5}
    assert verify_log(log_path).intact


def test_default_log_is_one_file_per_account_in_the_user_data_dir(tmp_path: Path) -> None:
    with AuditLog.open(ACCOUNT_ID, CALLER) as first, AuditLog.open(OTHER_ACCOUNT, CALLER) as second:
        first.record(Kind.CHECKLIST, {"step": "1"})
        second.record(Kind.CHECKLIST, {"step": "1"})
    expected = tmp_path / "data" / "cis-wizard" / "logs" / f"{ACCOUNT_ID}.jsonl"
    assert default_log_path(ACCOUNT_ID) == expected
    assert expected.is_file() and default_log_path(OTHER_ACCOUNT).is_file()
    assert mode(expected.parent) == 0o700


def test_the_account_id_must_be_an_account_id(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an AWS account id"):
        AuditLog(tmp_path / "x.jsonl", "../../etc", CALLER)


def test_a_closed_log_refuses_to_record(log_path: Path) -> None:
    log = AuditLog(log_path, ACCOUNT_ID, CALLER)
    log.close()
    log.close()
    with pytest.raises(AuditLogError, match="closed"):
        log.record(Kind.CHECKLIST, {})


def test_kinds_and_outcomes_are_checked(log: AuditLog) -> None:
    with pytest.raises(ValueError):
        log.record("made-up-kind", {})
    token = log.call_intent({"service": "iam", "operation": "GetUser"})
    with pytest.raises(ValueError, match="outcome"):
        log.call_result(token, "maybe")  # type: ignore[arg-type]


def test_payloads_are_made_json_ready() -> None:
    finding = Finding(
        "1.5",
        Status.FAIL,
        "no policy",
        evidence=(Evidence("iam:GetAccountPasswordPolicy", "us-east-1", "aws iam get-...", {"a": 1}),),
    )
    value = to_jsonable(
        {
            "when": dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.UTC),
            "blob": b"\x00\x01",
            "amount": Decimal("1.50"),
            "tags": {"b", "a"},
            "status": Status.PASS,
            "finding": finding,
            "nan": float("nan"),
            7: "int key",
        }
    )
    assert value["when"] == "2025-05-01T09:30:00+00:00"
    assert value["blob"] == "base64:AAE="
    assert value["amount"] == "1.50"
    assert value["tags"] == ["a", "b"]
    assert value["status"] == "PASS"
    assert value["finding"]["evidence"][0]["operation"] == "iam:GetAccountPasswordPolicy"
    assert value["nan"] == "nan" and value["7"] == "int key"
    canonical_json(value)  # serialisable


def test_records_from_many_threads_share_one_chain(log: AuditLog, log_path: Path) -> None:
    def append(worker: int) -> None:
        for index in range(15):
            log.record(Kind.CHECKLIST, {"worker": worker, "index": index})

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_log(log_path)
    assert report.intact and report.last_seq == 60


# -- intent and result -------------------------------------------------------------------------------


def test_intent_before_the_call_and_result_after_are_paired(log: AuditLog, log_path: Path) -> None:
    call = {
        "service": "iam",
        "operation": "UpdateAccountPasswordPolicy",
        "region": "us-east-1",
        "params": {"MinimumPasswordLength": 14},
        "cli": "aws iam update-account-password-policy --minimum-password-length 14",
    }
    token = log.call_intent(call, control_id="1.9")
    intent = lines_of(log_path)[-1]
    assert intent["kind"] == "call" and intent["control"] == "1.9"
    assert intent["payload"] == {"call_id": token.call_id, **call}
    assert log.unfinished_intents()[0].seq == token.seq
    log.call_result(token, "ok", response={})
    result = lines_of(log_path)[-1]
    assert result["kind"] == "result" and result["control"] == "1.9"
    assert result["payload"] == {
        "call_id": token.call_id,
        "intent_seq": token.seq,
        "operation": "iam:UpdateAccountPasswordPolicy",
        "status": "ok",
        "error_code": None,
        "message": None,
        "response": {},
    }
    assert log.unfinished_intents() == []


def test_a_crash_between_intent_and_result_leaves_an_intent_with_no_result(log_path: Path) -> None:
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as crashed:
        crashed.call_intent({"service": "ec2", "operation": "RevokeSecurityGroupIngress"}, control_id="4.3")
        # the process dies here: no result is ever written
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as rerun:
        unfinished = rerun.unfinished_intents()
        assert [(r.kind, r.control, r.payload["operation"]) for r in unfinished] == [
            ("call", "4.3", "RevokeSecurityGroupIngress")
        ]
        token = rerun.call_intent({"service": "iam", "operation": "GetUser"})
        rerun.call_result(token, "ok")
        assert len(rerun.unfinished_intents()) == 1


def test_an_aws_error_is_recorded_with_its_code(log: AuditLog, log_path: Path) -> None:
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "UpdateAccountPasswordPolicy"
    )
    token = log.call_intent({"service": "iam", "operation": "UpdateAccountPasswordPolicy"})
    log.call_result(token, "error", error=error)
    payload = lines_of(log_path)[-1]["payload"]
    assert (payload["status"], payload["error_code"], payload["message"]) == ("error", "AccessDenied", "not allowed")


def test_calling_records_ok_error_and_leaves_an_interrupt_unresolved(log: AuditLog, log_path: Path) -> None:
    with log.calling({"service": "iam", "operation": "GetUser"}, control_id="1.2") as pending:
        pending.response = {"User": {"UserName": "bob"}}
    assert lines_of(log_path)[-1]["payload"]["response"] == {"User": {"UserName": "bob"}}
    with pytest.raises(RuntimeError), log.calling({"service": "iam", "operation": "GetUser"}):
        raise RuntimeError("connection reset")
    failed = lines_of(log_path)[-1]["payload"]
    assert (failed["status"], failed["error_code"], failed["message"]) == ("error", "RuntimeError", "connection reset")
    with pytest.raises(KeyboardInterrupt), log.calling({"service": "iam", "operation": "DeleteLoginProfile"}):
        raise KeyboardInterrupt
    assert lines_of(log_path)[-1]["kind"] == "call"  # did AWS act? unknown, and the log says so
    assert [r.payload["operation"] for r in log.unfinished_intents()] == ["DeleteLoginProfile"]


def test_a_session_that_fails_says_so_and_names_its_unfinished_calls(log: AuditLog, log_path: Path) -> None:
    with pytest.raises(ValueError), log.session({"command": "apply"}):
        token = log.call_intent({"service": "iam", "operation": "GetUser"})
        raise ValueError("boom")
    end = lines_of(log_path)[-1]
    assert end["kind"] == "session-end"
    assert end["payload"]["status"] == "error"
    assert end["payload"]["error"] == "ValueError: boom"
    assert end["payload"]["unfinished_calls"] == [token.call_id]
    assert log.session_id is None


def test_sessions_do_not_nest(log: AuditLog) -> None:
    with log.session(), pytest.raises(RuntimeError, match="already open"), log.session():
        pass


# -- keys --------------------------------------------------------------------------------------------


def test_the_key_lives_in_the_keyring_under_cis_wizard_and_the_account(
    isolated: MemoryKeyring, log: AuditLog, log_path: Path
) -> None:
    log.record(Kind.CHECKLIST, {"step": "1"})
    stored = isolated.passwords[("cis-wizard", ACCOUNT_ID)]
    assert len(bytes.fromhex(stored)) == 32
    assert not key_file_path(log_path).exists()
    assert mode(log_path) == 0o600 and mode(head_file_path(log_path)) == 0o600
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as again:
        again.record(Kind.CHECKLIST, {"step": "2"})
    assert isolated.passwords[("cis-wizard", ACCOUNT_ID)] == stored
    assert verify_log(log_path).intact


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), ForgetfulKeyring()], ids=["none", "forgetful"])
def test_without_a_working_keyring_the_key_is_a_0600_file_said_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: KeyringBackend
) -> None:
    use_keyring(monkeypatch, backend)
    notices: list[str] = []
    first_path = tmp_path / "one" / f"{ACCOUNT_ID}.jsonl"
    second_path = tmp_path / "two" / f"{OTHER_ACCOUNT}.jsonl"
    with AuditLog(first_path, ACCOUNT_ID, CALLER, notice=notices.append) as first:
        first.record(Kind.CHECKLIST, {"step": "1"})
    with AuditLog(second_path, OTHER_ACCOUNT, CALLER, notice=notices.append) as second:
        second.record(Kind.CHECKLIST, {"step": "1"})
    with AuditLog(first_path, ACCOUNT_ID, CALLER, notice=notices.append) as again:
        again.record(Kind.CHECKLIST, {"step": "2"})
    notices = [n for n in notices if "fingerprint" not in n]  # each new signing key's fingerprint is said too
    assert len(notices) == 1
    assert "keyring" in notices[0] and str(key_file_path(first_path)) in notices[0]
    for path in (first_path, second_path):
        assert mode(path) == 0o600
        assert mode(key_file_path(path)) == 0o600
        assert mode(head_file_path(path)) == 0o600
        assert len(bytes.fromhex(key_file_path(path).read_text().strip())) == 32
        assert verify_log(path).intact
    assert verify_log(first_path).key == str(key_file_path(first_path))


def test_a_log_started_on_the_file_key_keeps_it_when_a_keyring_appears(
    monkeypatch: pytest.MonkeyPatch, isolated: MemoryKeyring, log_path: Path
) -> None:
    use_keyring(monkeypatch, keyring.backends.fail.Keyring())
    with AuditLog(log_path, ACCOUNT_ID, CALLER, notice=lambda _: None) as headless:
        headless.record(Kind.CHECKLIST, {"step": "1"})
    use_keyring(monkeypatch, isolated)
    isolated.set_password("cis-wizard", ACCOUNT_ID, "ab" * 32)  # another log of the account made this one
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as desktop:
        assert desktop.key.source == "file"
        desktop.record(Kind.CHECKLIST, {"step": "2"})
    report = verify_log(log_path)
    assert report.intact and report.last_seq == 2


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
