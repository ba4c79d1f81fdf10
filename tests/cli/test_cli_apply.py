"""`cis-wizard plan` and `apply` end to end against a moto server, the audit log checked afterwards."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.support.cli import apply_all_failing, run_cli
from wizard.catalog import load_catalog


def audit_json(endpoint: str) -> dict:
    proc = run_cli("audit", "--endpoint-url", endpoint, "--format", "json")
    assert proc.returncode in (0, 3), proc.stderr
    return json.loads(proc.stdout)


def test_apply_all_failing_then_every_auto_control_passes_and_a_rerun_changes_nothing(
    endpoint: str, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    first = run_cli(*apply_all_failing(endpoint, log))
    assert first.returncode in (0, 3), first.stderr
    report = audit_json(endpoint)
    auto = {c.id for c in load_catalog() if c.fix == "auto"}
    statuses = {c["id"]: c["status"] for c in report["controls"]}
    not_passing = {c: statuses[c] for c in auto if statuses[c] not in ("PASS", "NOT_APPLICABLE")}
    # Controls that need answers the run did not give (contacts) or an API moto lacks may remain.
    assert set(not_passing) <= {"1.17", "1.18", "1.20"}, not_passing
    second = run_cli(*apply_all_failing(endpoint, log))
    assert "Nothing to apply" in second.stdout or "call(s)" not in second.stdout
    records = [json.loads(line) for line in log.read_text().splitlines()]
    calls = [r for r in records if r["kind"] == "call"]
    results = [r for r in records if r["kind"] == "result"]
    assert calls and len(calls) == len(results)
    verify = run_cli("log", "verify", "--log", str(log))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_dry_run_changes_nothing(endpoint: str) -> None:
    proc = run_cli("apply", "--endpoint-url", endpoint, "--controls", "1.5-1.11", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "update-account-password-policy" in proc.stdout
    assert "Dry run: 1 call(s) would be made; none were." in proc.stdout
    assert {c["status"] for c in audit_json(endpoint)["controls"] if c["id"] == "1.5"} == {"FAIL"}


def test_apply_without_a_terminal_or_yes_refuses(endpoint: str) -> None:
    proc = run_cli("apply", "--endpoint-url", endpoint, "--controls", "1.5")
    assert proc.returncode == 2
    assert "add --yes" in proc.stderr


def test_plan_sh_is_exactly_the_plans_calls(endpoint: str) -> None:
    proc = run_cli("plan", "--endpoint-url", endpoint, "--controls", "1.5,2.1", "--format", "sh")
    assert proc.returncode == 0, proc.stderr
    script = proc.stdout
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    commands = [shlex.split(line) for line in script.splitlines() if line.startswith("aws ")]
    assert [c[1:3] for c in commands] == [
        ["iam", "update-account-password-policy"],
        ["s3api", "create-bucket"],
        ["s3api", "put-public-access-block"],
        ["s3api", "put-bucket-policy"],
        ["cloudtrail", "create-trail"],
        ["cloudtrail", "start-logging"],
    ]


def test_bad_fix_options_are_rejected_before_any_call(endpoint: str, tmp_path: Path) -> None:
    for args, message in (
        (["--alarm-email", "not-an-address"], "is not a valid e-mail address"),
        (["--min-password-length", "8"], "below the CIS minimum of 14"),
        (["--trail-bucket", "Bad_Bucket"], "is not a valid S3 bucket name"),
        (["--log-group", "bad group name!"], "is not a valid CloudWatch Logs log group name"),
        (["--alarm-protocol", "sqs", "--alarm-endpoint", "arn:aws:sqs:nowhere"], "is not a valid sqs ARN"),
        (["--alarm-protocol", "pigeon", "--alarm-endpoint", "x"], "is not one of"),
    ):
        proc = run_cli("plan", "--endpoint-url", endpoint, "--controls", "1.9", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr
    config = tmp_path / "session.toml"
    config.write_text('alarm_email = "sec@example.com"\nname_prefx = "x-"\n')
    proc = run_cli("plan", "--endpoint-url", endpoint, "--controls", "1.9", "--config", str(config))
    assert proc.returncode == 2
    assert "line 2: unknown key 'name_prefx'" in proc.stderr


def test_bad_input_to_apply_changes_nothing_and_writes_no_log(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    config = tmp_path / "session.toml"
    config.write_text("min_password_length = 8\n")
    for args in (
        ["--alarm-email", "root@", "--all-failing"],
        ["--min-password-length", "10", "--controls", "1.9"],
        ["--config", str(config), "--controls", "1.9"],
        ["--controls", "9.99"],
        ["--regions", "moon-1", "--controls", "1.9"],
    ):
        proc = run_cli("apply", "--endpoint-url", endpoint, "--yes", "--log", str(log), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not log.exists()
    assert {c["status"] for c in audit_json(endpoint)["controls"] if c["id"] == "1.9"} == {"FAIL"}
