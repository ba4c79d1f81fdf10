"""The audit log's writer API and record format: who, what, when, chained and signed; intents before calls and
results after them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from decimal import Decimal
from pathlib import Path

import botocore.exceptions
import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER, OTHER_ACCOUNT
from tests.support.log_files import lines_of, mode, password_policy_call
from wizard.audit.findings import Evidence, Finding, Status
from wizard.audit_log import AuditLog, AuditLogError, Kind, verify_log
from wizard.audit_log.paths import default_log_path
from wizard.audit_log.records import GENESIS_HASH, canonical_json, to_jsonable
from wizard.errors import UsageError

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
    call = password_policy_call()
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
