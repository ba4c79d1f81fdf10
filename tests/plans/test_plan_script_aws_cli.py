"""`cis-wizard plan --format sh` run by the real `aws` CLI against a moto server: the account then passes."""

from __future__ import annotations

from pathlib import Path

from tests.support.aws_cli import account_env, run_script
from tests.support.cli import run_cli


def test_the_script_runs_in_the_aws_cli_and_fixes_the_account(endpoint: str, tmp_path: Path, aws_cli: Path) -> None:
    controls = "1.5-1.11,2.1-2.9,3.*,4.1-4.3"
    where = ("--endpoint-url", endpoint, "--regions", "us-east-1,eu-west-1", "--controls", controls)
    plan_args = ("plan", *where, "--alarm-email", "sec@example.com", "--format", "sh")
    plan = run_cli(*plan_args)
    assert plan.returncode == 0, plan.stderr
    ran = run_script(plan.stdout, tmp_path, aws_cli, account_env(endpoint))
    assert ran.returncode == 0, ran.stderr[-3000:]
    audit = run_cli("audit", *where, "--format", "csv")
    failing = {line.split(",")[0] for line in audit.stdout.splitlines()[1:] if ",FAIL," in line}
    assert failing == set(), audit.stdout
    again = run_cli(*plan_args)
    assert [line for line in again.stdout.splitlines() if line.startswith("aws ")] == []
