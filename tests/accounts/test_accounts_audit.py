"""Every account of an organization on moto, audited at once: each account's verdicts exactly a single-account
audit's, the roll-up adding up, an account whose role is missing reported with the AWS error."""

from __future__ import annotations

import json

from benchmarks.fault_proxy import FaultProxy
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.cli import run_cli
from tests.support.organization import Member, member_env, statuses, with_faults


def test_an_organization_is_audited_account_by_account_with_a_roll_up(
    organization: list[Member], endpoint: str
) -> None:
    with FaultProxy(upstream=endpoint) as proxy:
        with_faults(proxy, organization)
        proc = run_cli("audit", "--endpoint-url", proxy.url, "--organization", "--regions", HOME, "--format", "json")
        answered = [r.handler for r in proxy.records if r.handler]
    assert answered.count("throttle") == 12 and answered.count("refuse_role") == 1
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert proc.stdout.count("\n") == 1  # one line, written by json's C encoder (see render_rollup_json)
    by_id = {a["account_id"]: a for a in data["accounts"]}
    assert set(by_id) == {ACCOUNT_ID, *(m.account_id for m in organization)}
    missing = next(m for m in organization if m.state == "role-missing")
    assert by_id[missing.account_id]["status"] == "unreachable"
    assert "AccessDenied" in by_id[missing.account_id]["reason"]
    assert data["rollup"]["unreachable"] == [missing.account_id]
    for member in organization:
        if member.state == "role-missing":
            continue
        single = run_cli(
            "audit",
            "--endpoint-url",
            endpoint,
            "--regions",
            HOME,
            "--format",
            "json",
            env=member_env(endpoint, member.account_id),
        )
        one = json.loads(single.stdout)
        assert one["account_id"] == member.account_id
        # Each account's verdicts are exactly what a single-account audit gives (throttling changed none).
        assert statuses(by_id[member.account_id]["report"]) == statuses(one), member.state
    fresh = next(m for m in organization if m.state == "fresh")
    hardened = next(m for m in organization if m.state == "hardened")
    assert len(by_id[fresh.account_id]["failing"]) > len(by_id[hardened.account_id]["failing"])
    worst = {w["id"]: w for w in data["rollup"]["worst_controls"]}
    for control_id, entry in worst.items():
        failing_in = [a for a in data["accounts"] if a["status"] == "audited" and control_id in a["failing"]]
        assert entry["accounts"] == len(failing_in) == len(entry["failing_in"])
    counts = [w["accounts"] for w in data["rollup"]["worst_controls"]]
    assert counts == sorted(counts, reverse=True)


def test_named_accounts_and_a_bad_id(organization: list[Member], endpoint: str) -> None:
    ids = [m.account_id for m in organization if m.state in ("fresh", "hardened")]
    proc = run_cli(
        "audit", "--endpoint-url", endpoint, "--accounts", ",".join(ids), "--regions", HOME, "--format", "json"
    )
    assert [a["account_id"] for a in json.loads(proc.stdout)["accounts"]] == ids
    bad = run_cli("audit", "--endpoint-url", endpoint, "--accounts", "12345", "--regions", HOME)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_the_demo_refuses_a_choice_of_accounts_in_one_line() -> None:
    for choice in (["--accounts", "111111111111"], ["--organization"]):
        done = run_cli(*choice, "demo")
        assert done.returncode == 2
        assert done.stderr == (
            "cis-wizard: the demo is the one sandbox account: --organization and --accounts are for real ones.\n"
        )
