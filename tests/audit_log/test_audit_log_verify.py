"""`verify` finds every kind of tampering and names the first bad record; torn lines; concurrent writers."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import keyring.backends.fail
import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER, OTHER_ACCOUNT
from tests.support.keyrings import NO_KEYRING_ENV, Keyrings, MemoryKeyring
from wizard.audit_log import AuditLog, Kind, LogUnavailableError, MissingKeyError, verify_log
from wizard.audit_log.paths import head_file_path, key_file_path
from wizard.audit_log.records import canonical_json, line_hash, record_mac
from wizard.audit_log.signing import public_key_path

RECORDS = 8


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """A log of 8 records: a session with a finding, a plan, a confirm, a call and its result, a verify."""
    path = tmp_path / f"{ACCOUNT_ID}.jsonl"
    with AuditLog(path, ACCOUNT_ID, CALLER) as log, log.session({"command": "apply"}):
        log.record(Kind.FINDING, {"status": "FAIL", "summary": "weak policy"}, control_id="1.9")
        log.record(Kind.PLAN, {"calls": [{"service": "iam", "operation": "UpdateAccountPasswordPolicy"}]}, "1.9")
        log.record(Kind.CONFIRM, {"answer": "yes", "how": "prompt"}, control_id="1.9")
        token = log.call_intent({"service": "iam", "operation": "UpdateAccountPasswordPolicy"}, control_id="1.9")
        log.call_result(token, "ok", response={})
        log.record(Kind.VERIFY, {"status": "PASS", "summary": "policy ok"}, control_id="1.9")
    return path


def read_lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def forge(previous_line: bytes, seq: int, payload: dict, key: bytes | None = None) -> bytes:
    """A record with the right seq and the right hash of the record before it, signed with some other key."""
    record = json.loads(previous_line)
    record.update(seq=seq, kind="attestation", payload=payload, prev=line_hash(previous_line))
    del record["hmac"]
    record["hmac"] = record_mac(key or secrets.token_bytes(32), record)
    return canonical_json(record)


def assert_tampered(path: Path, first_bad: int | None, *words: str) -> None:
    report = verify_log(path)
    assert not report.intact
    assert report.first_bad_seq == first_bad, report.headline()
    for word in words:
        assert word in report.problem, report.problem  # type: ignore[operator]


def test_an_untouched_log_is_intact(log_path: Path) -> None:
    report = verify_log(log_path)
    assert report.intact, report.headline()
    assert (report.last_seq, report.first_bad_seq, report.torn_lines, report.head_seq) == (RECORDS, None, (), RECORDS)
    assert "intact" in report.headline()


def test_an_edited_field_fails_its_hmac(log_path: Path) -> None:
    lines = read_lines(log_path)
    assert b'"weak policy"' in lines[1]
    lines[1] = lines[1].replace(b'"weak policy"', b'"strong policy"')
    write_lines(log_path, lines)
    assert_tampered(log_path, 2, "HMAC")


def test_an_edit_with_every_later_hash_recomputed_still_fails_its_hmac(log_path: Path) -> None:
    lines = read_lines(log_path)
    records = [json.loads(line) for line in lines]
    records[3]["payload"]["calls"] = []
    rebuilt = [lines[0], lines[1], lines[2]]
    for record in records[3:]:
        record["prev"] = line_hash(rebuilt[-1])
        rebuilt.append(canonical_json(record))
    write_lines(log_path, rebuilt)
    assert_tampered(log_path, 4, "HMAC")


@pytest.mark.parametrize("field", ["time", "caller", "user", "kind", "control", "session"])
def test_any_edited_field_is_found(log_path: Path, field: str) -> None:
    lines = read_lines(log_path)
    record = json.loads(lines[4])
    record[field] = "edited"
    lines[4] = canonical_json(record)
    write_lines(log_path, lines)
    assert_tampered(log_path, 5, "HMAC")


def test_a_deleted_record_is_named_missing(log_path: Path) -> None:
    lines = read_lines(log_path)
    del lines[4]
    write_lines(log_path, lines)
    assert_tampered(log_path, 5, "record 5 is missing")


def test_a_deleted_first_record_is_named(log_path: Path) -> None:
    write_lines(log_path, read_lines(log_path)[1:])
    assert_tampered(log_path, 1, "record 1 is missing")


def test_reordered_records_are_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    lines[3], lines[4] = lines[4], lines[3]
    write_lines(log_path, lines)
    assert_tampered(log_path, 4, "reordered")


def test_an_inserted_copy_of_an_earlier_record_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    lines.insert(5, lines[1])
    write_lines(log_path, lines)
    assert_tampered(log_path, 6, "line 6 holds record 2")


def test_an_inserted_forged_record_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    lines.insert(4, forge(lines[3], 5, {"by": "mallory"}))
    write_lines(log_path, lines)
    assert_tampered(log_path, 5, "HMAC")


def test_a_forged_record_with_a_correct_hash_but_no_key_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    lines.append(forge(lines[-1], RECORDS + 1, {"by": "mallory", "statement": "all fine"}))
    write_lines(log_path, lines)
    assert_tampered(log_path, RECORDS + 1, "HMAC")


def test_a_record_without_its_hmac_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    record = json.loads(lines[2])
    del record["hmac"]
    lines[2] = canonical_json(record)
    write_lines(log_path, lines)
    assert_tampered(log_path, 3, "not a log record")


def test_a_record_signed_for_another_account_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    record = json.loads(lines[-1])
    record.update(seq=RECORDS + 1, account=OTHER_ACCOUNT, prev=line_hash(lines[-1]))
    del record["hmac"]
    record["hmac"] = record_mac(secrets.token_bytes(32), record)
    write_lines(log_path, [*lines, canonical_json(record)])
    assert_tampered(log_path, RECORDS + 1, f"account {OTHER_ACCOUNT}")


def test_a_file_cut_after_whole_records_is_truncated(log_path: Path) -> None:
    write_lines(log_path, read_lines(log_path)[:-2])
    assert_tampered(log_path, RECORDS - 1, "truncated", f"ends at record {RECORDS - 2}")


def test_a_file_cut_inside_the_last_record_is_truncated_not_merely_torn(log_path: Path) -> None:
    data = log_path.read_bytes()
    log_path.write_bytes(data[: len(data) - 40])
    report = verify_log(log_path)
    assert not report.intact and report.first_bad_seq == RECORDS and "truncated" in str(report.problem)
    assert report.torn_tail


def test_a_cut_stays_visible_after_the_wizard_appends_again(log_path: Path) -> None:
    write_lines(log_path, read_lines(log_path)[:-3])
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as log:
        written = log.record(Kind.CHECKLIST, {"step": "after the cut"})
    assert written.seq == RECORDS + 1  # numbered after the anchor, not after the cut
    assert_tampered(log_path, RECORDS - 2, f"records {RECORDS - 2}-{RECORDS} are missing")


def test_a_deleted_head_anchor_is_found(log_path: Path) -> None:
    write_lines(log_path, read_lines(log_path)[:-2])
    head_file_path(log_path).unlink()
    assert_tampered(log_path, None, "head anchor", "missing")
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as log:  # the writer goes on, and does not hide the loss
        log.record(Kind.CHECKLIST, {"step": "later"})
    assert not head_file_path(log_path).exists()
    assert_tampered(log_path, None, "missing")


def test_a_forged_head_anchor_is_found(log_path: Path) -> None:
    lines = read_lines(log_path)
    write_lines(log_path, lines[:-2])
    head = {"account": ACCOUNT_ID, "seq": RECORDS - 2, "hash": line_hash(lines[-3]), "hmac": "0" * 64}
    head_file_path(log_path).write_bytes(canonical_json(head))
    assert_tampered(log_path, None, "head anchor", "not written with the log's key")


def test_a_damaged_head_anchor_is_found(log_path: Path) -> None:
    head_file_path(log_path).write_text("{not json")
    assert_tampered(log_path, None, "head anchor", "damaged")


def test_a_torn_last_line_is_reported_and_does_not_block_appends(log_path: Path) -> None:
    good = read_lines(log_path)
    crashed = forge(good[-1], RECORDS + 1, {"by": "x"})[:57]  # a crash in the middle of writing a record
    with log_path.open("ab") as file:
        file.write(crashed)
    report = verify_log(log_path)
    assert report.intact, report.headline()
    assert report.torn_tail and report.torn_lines == (RECORDS + 1,)
    assert any("torn last line" in note for note in report.notes())

    with AuditLog(log_path, ACCOUNT_ID, CALLER) as log:
        written = log.record(Kind.CHECKLIST, {"step": "after the crash"})
    lines = read_lines(log_path)
    assert lines[RECORDS] == crashed  # the torn bytes stay, on a line of their own
    assert written.seq == RECORDS + 1 and written.prev == hashlib.sha256(good[-1]).hexdigest()
    report = verify_log(log_path)
    assert report.intact and report.last_seq == RECORDS + 1
    assert report.torn_lines == (RECORDS + 1,) and not report.torn_tail
    assert any("chain continues past it" in note for note in report.notes())


def test_a_complete_last_record_without_its_newline_is_kept(log_path: Path) -> None:
    data = log_path.read_bytes()
    log_path.write_bytes(data[:-1])
    assert verify_log(log_path).intact
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as log:
        written = log.record(Kind.CHECKLIST, {"step": "next"})
    assert written.seq == RECORDS + 1
    report = verify_log(log_path)
    assert report.intact and report.torn_lines == ()


def test_a_fresh_log_with_no_records_is_intact(tmp_path: Path) -> None:
    path = tmp_path / "fresh.jsonl"
    AuditLog(path, ACCOUNT_ID, CALLER).close()
    report = verify_log(path)
    assert report.intact and report.last_seq == 0 and report.head_seq == 0


def test_no_log_and_no_key_are_bad_input_not_tampering(log_path: Path, tmp_path: Path, isolated: MemoryKeyring) -> None:
    with pytest.raises(LogUnavailableError, match="no audit log"):
        verify_log(tmp_path / "missing.jsonl")
    isolated.passwords.clear()
    public_key_path(log_path).unlink()  # the public key alone would verify it: neither key is left
    with pytest.raises(MissingKeyError, match=ACCOUNT_ID):
        verify_log(log_path)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("hello\n")
    garbage.chmod(0o600)
    with pytest.raises(LogUnavailableError, match="not a cis-wizard audit log"):
        verify_log(garbage)


# -- two processes writing one log -------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from wizard.audit_log import AuditLog, Kind
path, account, name, count, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
while not go.exists():
    time.sleep(0.005)
with AuditLog(path, account, "arn:aws:iam::%s:user/%s" % (account, name), notice=lambda _: None) as log:
    for index in range(count):
        log.record(Kind.CHECKLIST, {"writer": name, "index": index, "padding": "x" * 2000})
"""


def test_two_processes_appending_at_once_produce_one_valid_chain_of_every_record(
    keyrings: Keyrings, tmp_path: Path
) -> None:
    keyrings.use(keyring.backends.fail.Keyring())  # the writers share the 0600 key file
    path = tmp_path / "shared" / f"{ACCOUNT_ID}.jsonl"
    go = tmp_path / "go"
    count = 500
    env = {**os.environ, **NO_KEYRING_ENV}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), ACCOUNT_ID, name, str(count), str(go)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alice", "bob")
    ]
    time.sleep(0.5)
    go.touch()  # both start appending (and creating the account's key) at the same moment
    for writer in writers:
        _, errors = writer.communicate(timeout=240)
        assert writer.returncode == 0, errors

    report = verify_log(path)
    assert report.intact, report.headline()
    assert report.last_seq == 2 * count and report.torn_lines == ()
    assert key_file_path(path).is_file() and len(list(path.parent.glob("*.key"))) == 1
    records = [json.loads(line) for line in read_lines(path)]
    assert [r["seq"] for r in records] == list(range(1, 2 * count + 1))
    for name in ("alice", "bob"):
        mine = [r["payload"]["index"] for r in records if r["payload"]["writer"] == name]
        assert mine == list(range(count))
    switches = sum(1 for a, b in itertools.pairwise(records) if a["payload"]["writer"] != b["payload"]["writer"])
    assert switches > 1  # the two really did write at the same time
