"""`cis-wizard plan --format sh` run by the real `aws` CLI against a moto server: the account then passes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.cli import run_cli


def test_the_script_runs_in_the_aws_cli_and_fixes_the_account(endpoint: str, tmp_path: Path, aws_cli: Path) -> None:
    controls = "1.5-1.11,2.1-2.9,3.*,4.1-4.3"
    plan_args = (
        "plan",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1,eu-west-1",
        "--controls",
        controls,
        "--alarm-email",
        "sec@example.com",
        "--format",
        "sh",
    )
    plan = run_cli(*plan_args)
    assert plan.returncode == 0, plan.stderr
    script = tmp_path / "fix.sh"
    script.write_text(plan.stdout)
    env = {
        **os.environ,
        "PATH": f"{aws_cli.parent}:{os.environ['PATH']}",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    ran = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert ran.returncode == 0, ran.stderr[-3000:]
    audit = run_cli(
        "audit",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1,eu-west-1",
        "--controls",
        controls,
        "--format",
        "csv",
    )
    failing = {line.split(",")[0] for line in audit.stdout.splitlines()[1:] if ",FAIL," in line}
    assert failing == set(), audit.stdout
    again = run_cli(*plan_args)
    assert [line for line in again.stdout.splitlines() if line.startswith("aws ")] == []
