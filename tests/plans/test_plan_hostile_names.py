"""`plan` on the account named by an attacker: the script and the JSON hold no raw control character, the
script is valid bash whose comments cannot be ended by a name, and every plan of the fixture is there."""

from __future__ import annotations

import json
import subprocess

from tests.support.cli import run_cli
from tests.support.hostile_account import raw_controls, seed_hostile_account


def test_plan_in_both_formats_is_inert(endpoint: str) -> None:
    seed_hostile_account(endpoint)
    args = ("plan", "--endpoint-url", endpoint, "--regions", "us-east-1", "--all-failing", "--alarm-email", "a@b.co")
    script = run_cli(*args, "--format", "sh")
    assert script.returncode == 0, script.stderr
    assert raw_controls(script.stdout) == []
    assert subprocess.run(["bash", "-n"], input=script.stdout, text=True).returncode == 0
    for line in script.stdout.splitlines():
        assert line.startswith(("#", "aws ", "set ", "trail_key_")) or not line.strip(), line
    plans = run_cli(*args, "--format", "json")
    assert plans.returncode == 0, plans.stderr
    assert raw_controls(plans.stdout) == []
    data = json.loads(plans.stdout)
    assert {p["id"] for p in data["plans"]} >= {"world-ssh"}
