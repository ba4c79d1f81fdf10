"""`apply` and `plan` across accounts, on the moto organization: two of the five members fixed, the other three
exactly as they were; a call denied in one account stops that account only and shows in the roll-up; every
record of each account's own log names the role session that made the call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from benchmarks.fault_proxy import FaultProxy, ProxyRequest
from terminal.accounts_fix import account_prompt, run_accounts_apply
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.cli import run_cli
from tests.support.organization import ROLE, Member, account_of, member, member_env, statuses
from wizard.accounts.command import session_name
from wizard.cli import build_parser

CHANGING = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Start", "Enable", "Revoke", "Set", "Tag")


def single_audit(endpoint: str, account_id: str) -> dict:  # type: ignore[type-arg]
    proc = run_cli(
        "audit", "--endpoint-url", endpoint, "--regions", HOME, "--format", "json", env=member_env(endpoint, account_id)
    )
    report = json.loads(proc.stdout)
    assert report["account_id"] == account_id
    return report


def log_records(data: Path, account_id: str) -> list[dict]:  # type: ignore[type-arg]
    path = data / "cis-wizard" / "logs" / f"{account_id}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def role_session(account_id: str) -> str:
    return f"arn:aws:sts::{account_id}:assumed-role/{ROLE}/{session_name()}"


def rollup_line(stdout: str, account_id: str) -> str:
    return next(line for line in stdout.splitlines() if line.strip("│┃ ").startswith(account_id))


def test_apply_on_two_accounts_leaves_the_others_untouched_and_a_denied_call_stops_only_its_account(
    organization: list[Member], endpoint: str, tmp_path: Path
) -> None:
    fresh, partly = member(organization, "fresh"), member(organization, "partly-fixed")
    others = [m for m in organization if m not in (fresh, partly)]
    before = {m.account_id: statuses(single_audit(endpoint, m.account_id)) for m in others}
    data = tmp_path / "data"
    env = {"XDG_DATA_HOME": str(data), "COLUMNS": "200"}

    def deny_password_policy(request: ProxyRequest, forward):  # type: ignore[no-untyped-def]
        if account_of(request) == fresh.account_id:
            return request.error(403, "AccessDenied", "not authorized to perform: iam:UpdateAccountPasswordPolicy")
        return forward()

    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_handler("iam:UpdateAccountPasswordPolicy", deny_password_policy)
        accounts = f"{fresh.account_id},{partly.account_id}"
        proc = run_cli(
            *("apply", "--endpoint-url", proxy.url, "--regions", HOME, "--accounts", accounts, "--all-failing"),
            *("--yes", "--alarm-email", "sec@example.com"),
            env=env,
        )
        denied = [r for r in proxy.records if r.handler == "deny_password_policy"]
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert len(denied) == 1
    # The roll-up: the denied account stopped at its failed step, the other one applied everything.
    fresh_row, partly_row = rollup_line(proc.stdout, fresh.account_id), rollup_line(proc.stdout, partly.account_id)
    fresh_cells = [c.strip() for c in fresh_row.split("│")]
    partly_cells = [c.strip() for c in partly_row.split("│")]
    assert fresh_cells[3] == "yes" and fresh_cells[5].startswith("1"), fresh_row
    assert partly_cells[3] == "yes" and partly_cells[5] == "0" and int(partly_cells[4]) > 0, partly_row
    assert fresh_cells[7] != "0"  # what the stop left unfixed is still failing there
    # The two accounts as a single-account audit sees them now: one with the denied control failing, one fixed.
    after_fresh = {c["id"]: c["status"] for c in single_audit(endpoint, fresh.account_id)["controls"]}
    after_partly = {c["id"]: c["status"] for c in single_audit(endpoint, partly.account_id)["controls"]}
    assert after_fresh["1.5"] == "FAIL"
    assert all(after_partly[c] == "PASS" for c in ("1.5", "2.1", "2.8", "4.3")), after_partly
    # The three others: exactly as before, and no log of theirs was written.
    for other in others:
        assert statuses(single_audit(endpoint, other.account_id)) == before[other.account_id], other.state
        assert not (data / "cis-wizard" / "logs" / f"{other.account_id}.jsonl").exists()
    # Each account's own log: every record names that account's role session as the caller.
    for account in (fresh, partly):
        records = log_records(data, account.account_id)
        assert {r["caller"] for r in records} == {role_session(account.account_id)}
        assert {r["account"] for r in records} == {account.account_id}
        calls = [r for r in records if r["kind"] == "call"]
        assert calls
        sessions = [r for r in records if r["kind"] == "session-start"]
        assert sessions and sessions[0]["payload"]["role_session"] == role_session(account.account_id)
        assert f"::{ACCOUNT_ID}:" in sessions[0]["payload"]["assumed_by"]  # the management caller
    fresh_errors = [r for r in log_records(data, fresh.account_id) if r["kind"] == "result"]
    assert any(r["payload"].get("error_code") == "AccessDenied" for r in fresh_errors)


def test_plan_json_across_accounts_and_sh_refused(organization: list[Member], endpoint: str) -> None:
    fresh, hardened = member(organization, "fresh"), member(organization, "hardened")
    accounts = f"{fresh.account_id},{hardened.account_id},{ACCOUNT_ID}"
    proc = run_cli(
        *("plan", "--endpoint-url", endpoint, "--regions", HOME, "--accounts", accounts, "--all-failing"),
        *("--format", "json", "--alarm-email", "sec@example.com"),
    )
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert [e["account_id"] for e in entries] == [fresh.account_id, hardened.account_id, ACCOUNT_ID]
    by_id = {e["account_id"]: e for e in entries}
    assert by_id[fresh.account_id]["plans"] and by_id[fresh.account_id]["role_session"] == role_session(
        fresh.account_id
    )
    assert by_id[hardened.account_id]["plans"] == []
    # The caller's own account is reached with the caller's own credentials.
    assert ":assumed-role/" not in by_id[ACCOUNT_ID]["role_session"]
    refused = run_cli("plan", "--endpoint-url", endpoint, "--accounts", accounts, "--all-failing")
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "--format json" in refused.stderr
    one_log = run_cli(
        "apply", "--endpoint-url", endpoint, "--accounts", accounts, "--all-failing", "--yes", "--log", "x"
    )
    assert one_log.returncode == 2 and len(one_log.stderr.strip().splitlines()) == 1 and "own" in one_log.stderr


def test_an_account_declined_at_its_prompt_gets_no_changing_call(
    organization: list[Member],
    endpoint: str,
    data_dir: Path,
    memory_keyring: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The prompt per account, answered at the keyboard (questionary reading a pipe): No for the first account,
    Yes for the second and Yes for its one plan. Only the second account sees a changing call."""
    declined, accepted = member(organization, "fresh"), member(organization, "throttled")
    changed_in: list[str | None] = []

    def spy(request: ProxyRequest, forward):  # type: ignore[no-untyped-def]
        changed_in.append(account_of(request))
        return forward()

    with FaultProxy(upstream=endpoint) as proxy, create_pipe_input() as keyboard:
        proxy.add_handler(lambda info: info.operation.startswith(CHANGING), spy)
        args = build_parser().parse_args(
            [
                *("apply", "--endpoint-url", proxy.url, "--regions", HOME, "--controls", "1.5"),
                *("--accounts", f"{declined.account_id},{accepted.account_id}"),
            ]
        )
        keyboard.send_text("nyy")
        with create_app_session(input=keyboard, output=DummyOutput()):
            code = run_accounts_apply(args, interactive=True)
    shown = capsys.readouterr().out
    assert code == 3  # the declined account still fails 1.5
    assert f"Account {declined.account_id}" in shown and f"Account {accepted.account_id}" in shown
    assert changed_in and set(changed_in) == {accepted.account_id}
    after = {m.account_id: single_audit(endpoint, m.account_id) for m in (declined, accepted)}
    assert next(c for c in after[declined.account_id]["controls"] if c["id"] == "1.5")["status"] == "FAIL"
    assert next(c for c in after[accepted.account_id]["controls"] if c["id"] == "1.5")["status"] == "PASS"
    # The declined account's log says so: its plan, answered no for the whole account; no call.
    records = log_records(data_dir, declined.account_id)
    confirms = [r for r in records if r["kind"] == "confirm"]
    assert confirms and all(r["payload"]["answer"] == "no" for r in confirms)
    assert "the account was declined" in confirms[0]["payload"]["how"]
    assert not [r for r in records if r["kind"] == "call"]


def test_the_account_prompt_names_the_account_and_its_alias_inertly() -> None:
    assert account_prompt("111111111111", "prod", 3) == "Apply 3 plans to account 111111111111 (prod)?"
    assert account_prompt("111111111111", None, 1) == "Apply 1 plan to account 111111111111 (no alias)?"
    assert "\x1b" not in account_prompt("111111111111", "evil\x1b[2J\nalias", 2)
