"""Honest outcomes of `plan` and `apply`: what is not planned is said, the exit code tells the truth, the log
knows every control a plan fixes, and only one apply runs on an account at a time."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import boto3

from tests.support.accounts import HOME
from tests.support.cli import apply_all_failing, run_cli, start_cli

REGIONS = ("--regions", HOME)


def trails(endpoint: str) -> list[dict]:
    return boto3.client("cloudtrail", endpoint_url=endpoint, region_name=HOME).describe_trails()["trailList"]


def records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_plan_without_an_alarm_address_says_what_it_leaves_out(endpoint: str) -> None:
    script = run_cli("plan", "--endpoint-url", endpoint, *REGIONS, "--controls", "3.1")
    assert script.returncode == 0, script.stderr
    assert "# NOT IN THIS SCRIPT" in script.stdout
    [line] = [x for x in script.stdout.splitlines() if x.startswith("#   3.1:")]
    assert "--alarm-email" in line
    # 2.1 and 2.4 were only needed for the alarms, which cannot be planned: they are not in the script.
    assert [x for x in script.stdout.splitlines() if x.startswith("aws ")] == []
    data = json.loads(
        run_cli("plan", "--endpoint-url", endpoint, *REGIONS, "--controls", "3.1", "--format", "json").stdout
    )
    assert data["plans"] == []
    assert [item["control"] for item in data["not_planned"]] == ["3.1"]
    assert "the audit of" in script.stdout and "valid only for the account as it was then" in script.stdout


def test_apply_without_an_alarm_address_changes_nothing_and_exits_3_every_time(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for _ in range(2):
        proc = run_cli("apply", "--endpoint-url", endpoint, *REGIONS, "--controls", "3.1", "--yes", "--log", str(log))
        assert proc.returncode == 3, proc.stdout + proc.stderr
        assert "3.1" in proc.stdout and "--alarm-email" in proc.stdout
        assert "already passes" not in proc.stdout
    assert trails(endpoint) == []


def test_the_log_files_each_record_under_the_controls_the_plan_fixes(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    proc = run_cli(
        "apply",
        "--endpoint-url",
        endpoint,
        *REGIONS,
        "--controls",
        "3.4",
        "--alarm-email",
        "sec@example.com",
        "--yes",
        "--log",
        str(log),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    alarm_records = [
        r
        for r in records(log)
        if r["kind"] in ("plan", "confirm", "call", "result") and "3.4" in r["payload"].get("controls", [])
    ]
    kinds = {r["kind"] for r in alarm_records}
    assert kinds == {"plan", "confirm", "call", "result"}
    assert all(r["payload"]["controls"] == ["3.4"] and r["control"] == "3.4" for r in alarm_records)
    verified = sorted(r["control"] for r in records(log) if r["kind"] == "verify")
    assert verified == ["2.1", "2.4", "3.4"]  # exactly what the plans fix: not all fourteen 3.x
    shown = run_cli("log", "show", "--log", str(log), "--control", "3.4", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert {r["kind"] for r in listed} >= {"plan", "confirm", "call", "result", "verify"}


def test_risk_safe_applies_only_the_safe_plans(endpoint: str, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=HOME)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    world = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=world)
    proc = run_cli(
        "apply",
        "--endpoint-url",
        endpoint,
        *REGIONS,
        "--controls",
        "1.5-1.11,4.1",
        "--risk",
        "safe",
        "--yes",
        "--log",
        str(tmp_path / "audit.jsonl"),
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr  # 4.1 still fails
    assert "4.1" in proc.stdout and "--risk" in proc.stdout
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=HOME)
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 14
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert rules and rules[0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"  # the disruptive plan did not run
    bad = run_cli("apply", "--endpoint-url", endpoint, "--controls", "1.5", "--risk", "reckless", "--yes")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def _apply(endpoint: str, log: Path, output: Path | None = None) -> subprocess.Popen[str]:
    """`apply --all-failing --yes` in a subprocess; its output goes to a file (a pipe nobody reads would fill)."""
    sink = (output or log.with_suffix(".out")).open("w")
    return start_cli(*apply_all_failing(endpoint, log, *REGIONS), stdout=sink, stderr=subprocess.STDOUT)


def test_two_applies_at_once_never_fail_a_step(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    files = [tmp_path / "first.out", tmp_path / "second.out"]
    first, second = _apply(endpoint, log, files[0]), _apply(endpoint, log, files[1])
    for process in (first, second):
        process.wait(timeout=600)
    outputs = [f.read_text() for f in files]
    for process, output in zip((first, second), outputs, strict=True):
        assert process.returncode in (0, 3), output
        assert "  failed  " not in output and "Stopped:" not in output, output
    assert any("Another apply is running" in output for output in outputs), outputs
    assert len(trails(endpoint)) == 1
    calls = [r for r in records(log) if r["kind"] == "call"]
    assert len([c for c in calls if c["payload"]["operation"] == "CreateTrail"]) == 1


def test_a_killed_applys_lock_does_not_stay_behind(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    process = _apply(endpoint, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and '"kind":"call"' in log.read_text()):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    started = time.monotonic()
    rerun = run_cli("apply", "--endpoint-url", endpoint, *REGIONS, "--controls", "1.5", "--yes", "--log", str(log))
    assert rerun.returncode in (0, 3), rerun.stdout + rerun.stderr
    assert "Another apply is running" not in rerun.stdout
    assert time.monotonic() - started < 60
