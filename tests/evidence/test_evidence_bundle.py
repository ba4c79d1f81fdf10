"""An auditor's round trip: the bundle checked on another folder with no private key; every tampering caught
with the first bad record named; anchors in a file and in S3 (moto) catch a rollback of log and head; logs
written with the HMAC scheme alone still verify."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tests.support.accounts import ACCOUNT_ID, CALLER
from wizard.audit_log import AuditLog, Kind, verify_log
from wizard.audit_log.anchor import head_mac
from wizard.audit_log.checkpoints import history_path, sign_checkpoint
from wizard.audit_log.paths import head_file_path, key_file_path
from wizard.audit_log.records import GENESIS_HASH, canonical_json, line_hash, record_mac, signature_message
from wizard.audit_log.signing import SigningKey, public_key_path
from wizard.cli import main

SESSIONS = 3  # each session: start, a finding, a checklist step, end = 4 records


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "logs" / f"{ACCOUNT_ID}.jsonl"
    for number in range(SESSIONS):
        write_session(path, number)
    return path


def write_session(path: Path, number: int) -> None:
    with AuditLog(path, ACCOUNT_ID, CALLER, notice=lambda _: None) as log, log.session({"command": "apply"}):
        log.record(Kind.FINDING, {"status": "FAIL", "summary": f"weak policy {number}"}, control_id="1.9")
        log.record(Kind.CHECKLIST, {"action": "step-done", "step": "open"}, control_id="1.14")


def auditor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`cis-wizard ARGS` as an auditor runs it elsewhere: no keyring, an empty data folder, another folder."""
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "XDG_DATA_HOME": str(cwd / "auditor-data"),
        "HOME": str(cwd),
    }
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def export(log_path: Path, target: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["log", "export", "--log", str(log_path), "--bundle", str(target)]) == 0
    out = capsys.readouterr().out
    assert "signed with key SHA256:" in out
    return out


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def write(path: Path, rows: list[bytes]) -> None:
    path.write_bytes(b"".join(row + b"\n" for row in rows))


def edit_record(path: Path, index: int, old: bytes, new: bytes) -> None:
    """Change the log's record at `index` (from 0) in place, as someone with the file in an editor would."""
    rows = lines(path)
    rows[index] = rows[index].replace(old, new)
    write(path, rows)


@pytest.fixture
def elsewhere(tmp_path: Path, log_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The bundle, moved to another folder the auditor owns (the original is deleted)."""
    export(log_path, tmp_path / "bundle", capsys)
    auditor_home = tmp_path / "auditor"
    auditor_home.mkdir()
    shutil.move(str(tmp_path / "bundle"), str(auditor_home / "evidence"))
    return auditor_home


def fingerprint_of(log_path: Path) -> str:
    return verify_log(log_path).fingerprint or ""


def test_the_bundle_verifies_elsewhere_with_nothing_but_itself(elsewhere: Path, log_path: Path) -> None:
    bundle = elsewhere / "evidence"
    assert sorted(p.name for p in bundle.iterdir()) == [
        "README.txt",
        "checkpoints.jsonl",
        "fingerprint.txt",
        "log.jsonl",
        "manifest.json",
        "public-key.pem",
    ]
    fingerprint = (bundle / "fingerprint.txt").read_text().strip()
    assert fingerprint == fingerprint_of(log_path)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["records"] == 4 * SESSIONS and manifest["account_id"] == ACCOUNT_ID
    proc = auditor("log", "verify", "--bundle", "evidence", "--fingerprint", fingerprint, cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"intact (records 1-{4 * SESSIONS};" in proc.stdout
    assert f"{4 * SESSIONS} Ed25519 signatures" in proc.stdout and "HMACs" not in proc.stdout
    assert fingerprint in proc.stdout
    assert not (elsewhere / "auditor-data").exists()  # nothing was looked up, or made, on the auditor's side


def assert_caught(proc: subprocess.CompletedProcess[str], first_bad: int, *words: str) -> None:
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"TAMPERED at record {first_bad}" in proc.stdout, proc.stdout
    for word in words:
        assert word in proc.stdout, proc.stdout


def test_an_edited_record_is_caught(elsewhere: Path) -> None:
    edit_record(elsewhere / "evidence" / "log.jsonl", 5, b"weak policy 1", b"strong policy")
    assert_caught(auditor("log", "verify", "--bundle", "evidence", cwd=elsewhere), 6, "fails its signature")


def test_a_dropped_tail_is_caught(elsewhere: Path) -> None:
    log = elsewhere / "evidence" / "log.jsonl"
    write(log, lines(log)[:-3])
    last = 4 * SESSIONS - 3
    assert_caught(auditor("log", "verify", "--bundle", "evidence", cwd=elsewhere), last + 1, "cut, or rolled back")


def other_key() -> SigningKey:
    seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return SigningKey(seed, "new", "a forger's key")


def forged_record(previous: bytes, key: SigningKey) -> bytes:
    record = json.loads(previous)
    record.update(seq=record["seq"] + 1, kind="attestation", payload={"by": "mallory"}, prev=line_hash(previous))
    del record["hmac"], record["sig"]
    record["hmac"] = "0" * 64
    unsigned = {k: v for k, v in record.items() if k != "hmac"}
    record["sig"] = key.sign(signature_message(unsigned))
    return canonical_json(record)


def test_a_forged_record_signed_with_another_key_is_caught(elsewhere: Path) -> None:
    bundle = elsewhere / "evidence"
    rows = lines(bundle / "log.jsonl")
    forger = other_key()
    rows.append(forged_record(rows[-1], forger))
    write(bundle / "log.jsonl", rows)
    # ... and a checkpoint of it, signed with the forger's key, to make the end look covered
    forged = sign_checkpoint(forger, ACCOUNT_ID, len(rows), line_hash(rows[-1]), "2030-01-01T00:00:00.000000Z")
    with (bundle / "checkpoints.jsonl").open("ab") as file:
        file.write(forged.line() + b"\n")
    assert_caught(auditor("log", "verify", "--bundle", "evidence", cwd=elsewhere), len(rows), "fails its signature")


def test_a_log_signed_again_with_another_key_fails_against_the_recorded_fingerprint(elsewhere: Path) -> None:
    """The forger re-signs every record and swaps the public key: only the fingerprint kept elsewhere tells."""
    bundle = elsewhere / "evidence"
    recorded = (bundle / "fingerprint.txt").read_text().strip()
    forger = other_key()
    rows, previous = [], GENESIS_HASH
    for row in lines(bundle / "log.jsonl"):
        record = json.loads(row)
        record["prev"] = previous
        unsigned = {k: v for k, v in record.items() if k not in ("hmac", "sig")}
        record["sig"] = forger.sign(signature_message(unsigned))
        rows.append(canonical_json(record))
        previous = line_hash(rows[-1])
    write(bundle / "log.jsonl", rows)
    (bundle / "public-key.pem").write_bytes(forger.public.pem())
    (bundle / "fingerprint.txt").write_text(forger.public.fingerprint + "\n")
    checkpoint = sign_checkpoint(forger, ACCOUNT_ID, len(rows), previous, "2030-01-01T00:00:00.000000Z")
    (bundle / "checkpoints.jsonl").write_bytes(checkpoint.line() + b"\n")
    assert auditor("log", "verify", "--bundle", "evidence", cwd=elsewhere).returncode == 0  # self-consistent...
    proc = auditor("log", "verify", "--bundle", "evidence", "--fingerprint", recorded, cwd=elsewhere)
    assert_caught(proc, 1, f"not the expected {recorded}")


def snapshot(log_path: Path) -> dict[Path, bytes]:
    names = [log_path, head_file_path(log_path), history_path(log_path)]
    return {path: path.read_bytes() for path in names}


def restore(saved: dict[Path, bytes]) -> None:
    for path, data in saved.items():
        path.write_bytes(data)


def test_a_rollback_of_log_and_head_is_caught_against_a_file_anchor(
    log_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = snapshot(log_path)  # what an intruder keeps, to put back later
    write_session(log_path, 99)
    anchor_file = tmp_path / "usb" / "anchor.jsonl"
    anchor_file.parent.mkdir()
    assert main(["log", "anchor", "--log", str(log_path), "--file", str(anchor_file)]) == 0
    out = capsys.readouterr().out
    assert f"checkpoint of record {4 * SESSIONS + 4}" in out and str(anchor_file) in out
    assert main(["log", "verify", "--log", str(log_path), "--anchor", str(anchor_file)]) == 0
    restore(saved)  # log, head and checkpoints together: the folder alone cannot tell
    assert verify_log(log_path).intact
    assert main(["log", "verify", "--log", str(log_path), "--anchor", str(anchor_file)]) == 3
    out = capsys.readouterr().out
    assert f"TAMPERED at record {4 * SESSIONS + 1}" in out and "rolled back" in out
    # ... and so does a bundle of the rolled-back log, checked elsewhere against the same anchor
    export(log_path, tmp_path / "bundle", capsys)
    proc = auditor("log", "verify", "--bundle", "bundle", "--anchor", str(anchor_file), cwd=tmp_path)
    assert_caught(proc, 4 * SESSIONS + 1, "rolled back")


def test_nothing_is_anchored_from_a_log_that_is_not_intact(log_path: Path, tmp_path: Path) -> None:
    write(log_path, lines(log_path)[:-1])
    anchor_file = tmp_path / "anchor.jsonl"
    assert main(["log", "anchor", "--log", str(log_path), "--file", str(anchor_file)]) == 3
    assert not anchor_file.exists()


# -- the S3 anchor, against moto ---------------------------------------------------------------------


@pytest.fixture
def s3_log(aws: None, log_path: Path) -> Iterator[Path]:
    yield log_path


def test_the_s3_anchor_is_a_private_versioned_bucket_and_catches_a_rollback(
    s3_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_path = s3_log
    saved = snapshot(log_path)
    write_session(log_path, 7)
    assert main(["log", "anchor", "--log", str(log_path), "--s3", "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    bucket = f"cis-wizard-anchors-{ACCOUNT_ID}-us-east-1"
    place = f"s3://{bucket}/cis-wizard/audit-log/{ACCOUNT_ID}.json"
    assert place in out
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    records = [json.loads(row) for row in lines(log_path)]
    calls = [r["payload"]["operation"] for r in records if r["kind"] == "call"]
    assert calls == ["CreateBucket", "PutPublicAccessBlock", "PutBucketEncryption", "PutBucketVersioning", "PutObject"]
    anchored = json.loads(s3.get_object(Bucket=bucket, Key=f"cis-wizard/audit-log/{ACCOUNT_ID}.json")["Body"].read())
    put = next(r for r in records if r["kind"] == "call" and r["payload"]["operation"] == "PutObject")
    assert anchored["seq"] == put["seq"]  # the checkpoint covers the intent of its own PutObject
    # a second anchor reuses the bucket and adds a version
    assert main(["log", "anchor", "--log", str(log_path), "--s3", "--region", "us-east-1"]) == 0
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 2
    capsys.readouterr()
    assert main(["log", "verify", "--log", str(log_path), "--anchor", place, "--region", "us-east-1"]) == 0
    assert "anchor s3://" in capsys.readouterr().out
    restore(saved)
    # the intruder also puts an old checkpoint over the object: every version is read, so it does not help
    old_head = json.loads(saved[head_file_path(log_path)])
    s3.put_object(Bucket=bucket, Key=f"cis-wizard/audit-log/{ACCOUNT_ID}.json", Body=json.dumps(old_head).encode())
    assert main(["log", "verify", "--log", str(log_path), "--anchor", place, "--region", "us-east-1"]) == 3
    assert f"TAMPERED at record {4 * SESSIONS + 1}" in capsys.readouterr().out


# -- logs of the HMAC era ------------------------------------------------------------------------------


def write_hmac_era_log(path: Path, count: int) -> None:
    """A log as the wizard wrote it before records were signed: HMAC records and an HMAC head, nothing else."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = os.urandom(32)
    fd = os.open(key_file_path(path), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, key.hex().encode() + b"\n")
    os.close(fd)
    rows, previous = [], GENESIS_HASH
    for seq in range(1, count + 1):
        record = {
            "seq": seq,
            "time": f"2025-05-01T09:30:{seq:02d}.000000Z",
            "account": ACCOUNT_ID,
            "caller": CALLER,
            "user": "alice",
            "host": "laptop",
            "version": "0.1.0",
            "session": None,
            "kind": "checklist",
            "control": "1.14",
            "payload": {"action": "step-done", "step": str(seq)},
            "prev": previous,
        }
        record["hmac"] = record_mac(key, record)
        rows.append(canonical_json(record))
        previous = line_hash(rows[-1])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"".join(row + b"\n" for row in rows))
    os.close(fd)
    head = {"account": ACCOUNT_ID, "hash": previous, "seq": count, "hmac": head_mac(key, ACCOUNT_ID, count, previous)}
    fd = os.open(head_file_path(path), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, canonical_json(head) + b"\n")
    os.close(fd)


def test_a_log_of_the_hmac_era_still_verifies_and_bundles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old" / f"{ACCOUNT_ID}.jsonl"
    write_hmac_era_log(path, 5)
    report = verify_log(path)
    assert report.intact and report.key and report.signed_records == 0 and report.fingerprint is None
    with AuditLog(path, ACCOUNT_ID, CALLER, notice=lambda _: None) as log:  # this version goes on with it
        log.record(Kind.CHECKLIST, {"action": "step-done", "step": "6"}, control_id="1.14")
    report = verify_log(path)
    assert report.intact and report.last_seq == 6 and report.signed_records == 1
    assert public_key_path(path).is_file()
    export(path, tmp_path / "bundle", capsys)
    proc = auditor("log", "verify", "--bundle", "bundle", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout  # the unsigned records are covered by the chain to the signed one
    edit_record(tmp_path / "bundle" / "log.jsonl", 2, b'"step":"3"', b'"step":"X"')
    assert_caught(auditor("log", "verify", "--bundle", "bundle", cwd=tmp_path), 3, "not the record that record 4")


def test_a_signature_is_one_of_the_log_and_the_head_carries_a_checkpoint(log_path: Path) -> None:
    head = json.loads(head_file_path(log_path).read_bytes())
    assert {"hmac", "sig", "key", "time"} <= set(head) and head["seq"] == 4 * SESSIONS
    record = json.loads(lines(log_path)[0])
    assert len(base64.b64decode(record["sig"])) == 64 and record["run"]
    history = lines(history_path(log_path))
    assert len(history) == SESSIONS  # one checkpoint per session end


def test_an_s3_anchor_aws_refuses_is_exit_3_and_its_call_is_in_the_log(
    endpoint: str, log_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks.fault_proxy import FaultProxy, deny

    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_rule("s3:PutObject", deny())
        args = ["log", "anchor", "--log", str(log_path), "--s3", "--endpoint-url", proxy.url, "--region", "us-east-1"]
        assert main(args) == 3
    assert "AWS refused (AccessDenied" in capsys.readouterr().err
    records = [json.loads(row) for row in lines(log_path)]
    put = [r for r in records if r["kind"] in ("call", "result") and "PutObject" in json.dumps(r["payload"])]
    assert [r["kind"] for r in put] == ["call", "result"] and put[1]["payload"]["status"] == "error"
    assert records[-1]["kind"] == "session-end" and records[-1]["payload"]["status"] == "error"
    assert verify_log(log_path).intact
    place = f"s3://cis-wizard-anchors-{ACCOUNT_ID}-us-east-1/cis-wizard/audit-log/{ACCOUNT_ID}.json"
    verify = ["log", "verify", "--log", str(log_path), "--anchor", place, "--endpoint-url", endpoint]
    assert main([*verify, "--region", "us-east-1"]) == 2
    assert "There is no anchor at" in capsys.readouterr().err
