"""`plan --all-failing --format sh` run by the real aws CLI on seeded accounts: the script finishes (set -e),
every automated control then passes, and planning again gives an empty script."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from tests.support.accounts import HOME
from tests.support.aws_cli import account_env, run_script
from tests.support.cli import run_cli
from tests.support.seeded_accounts import admin_mistakes
from wizard.catalog import load_catalog
from wizard.sandbox import start_sandbox

ANSWERS = (
    "--alarm-email",
    "sec@example.com",
    "--security-contact-name",
    "Sec Team",
    "--security-contact-email",
    "security@example.com",
    "--security-contact-phone",
    "+1 555 0100 123",
    "--security-contact-title",
    "CISO",
)
WAITING = {"1.17"}  # moto has no account contact API


@contextlib.contextmanager
def account(state: str, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment that points the wizard and the aws CLI at an account seeded as `state`."""
    if state == "sandbox-fresh":
        with start_sandbox("fresh", regions=[HOME]) as sandbox:
            yield sandbox.env()
        return
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    admin_mistakes(boto3.Session(), HOME, endpoint)
    yield account_env(endpoint)


@pytest.mark.parametrize("state", ["admin-mistakes", "sandbox-fresh"])
def test_the_fix_all_script_runs_in_the_aws_cli_and_leaves_nothing(
    state: str,
    endpoint: str,
    tmp_path: Path,
    aws_cli: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with account(state, endpoint, monkeypatch) as env:
        plan_args = ("plan", "--regions", HOME, "--all-failing", *ANSWERS, "--format", "sh")
        plan = run_cli(*plan_args, env=env)
        assert plan.returncode == 0, plan.stderr
        ran = run_script(plan.stdout, tmp_path, aws_cli, env, timeout=900)
        assert ran.returncode == 0, ran.stderr[-3000:]
        audit = run_cli("audit", "--regions", HOME, "--format", "json", env=env)
        statuses = {c["id"]: c["status"] for c in json.loads(audit.stdout)["controls"]}
        automated = {c.id for c in load_catalog() if c.fix == "auto"}
        left = {c: statuses[c] for c in automated if statuses[c] not in ("PASS", "NOT_APPLICABLE")}
        assert set(left) <= WAITING, left
        again = run_cli(*plan_args, env=env)
        assert [line for line in again.stdout.splitlines() if line.startswith(("aws ", "trail_key"))] == []
