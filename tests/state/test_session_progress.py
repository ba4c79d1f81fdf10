"""Onboarding sessions: progress kept per account beside the log, the next unresolved control to reopen at,
and a `--config` file that serves every command and is rejected with the line and key at fault."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from tests.support.accounts import ACCOUNT_ID
from tests.support.cli import run_cli
from tests.support.session_state import attest, finding, mark_done, open_log
from wizard.audit.findings import Finding, Status
from wizard.state.files import StateFileError
from wizard.state.progress import Resolution, SessionProgress, next_unresolved, progress_path, resolution
from wizard.state.waivers import WaiverBook

TODAY = dt.date(2026, 3, 10)


def findings(*items: Finding) -> dict[str, Finding]:
    return {f.control_id: f for f in items}


def test_progress_is_private_and_two_wizards_do_not_undo_each_others_steps(log_path: Path) -> None:
    tui = SessionProgress.load(ACCOUNT_ID, log_path)
    terminal = SessionProgress.load(ACCOUNT_ID, log_path)
    mark_done(tui, "1.14", "get-device")
    mark_done(terminal, "1.14", "sign-in-root")
    terminal.visit("1.14", driver="Dana")
    path = progress_path(ACCOUNT_ID, log_path)
    assert path == log_path.with_name(f"{ACCOUNT_ID}.jsonl.progress.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reopened = SessionProgress.load(ACCOUNT_ID, log_path)
    assert set(reopened.steps_done("1.14")) == {"get-device", "sign-in-root"}
    assert (reopened.last_control, reopened.driver) == ("1.14", "Dana")
    reopened.restart("1.14")
    assert SessionProgress.load(ACCOUNT_ID, log_path).steps_done("1.14") == {}


def test_a_damaged_progress_file_is_reported(log_path: Path) -> None:
    path = progress_path(ACCOUNT_ID, log_path)
    path.parent.mkdir(mode=0o700)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"version": 1, "account": ACCOUNT_ID, "controls": {"1.14": {"steps_done": [1]}}}))
    with pytest.raises(StateFileError, match=r"control 1\.14: 'steps_done' must map step ids to times"):
        SessionProgress.load(ACCOUNT_ID, log_path)


def test_next_unresolved_starts_at_the_last_control_and_wraps(log_path: Path) -> None:
    state = SessionProgress.load(ACCOUNT_ID, log_path)
    audit = findings(
        finding("1.2", Status.FAIL, "alice"),
        finding("1.10", Status.PASS),
        finding("1.14", Status.FAIL, "root"),
        finding("2.1", Status.PASS),
        finding("4.3", Status.NOT_APPLICABLE),
    )
    assert next_unresolved(audit, state, today=TODAY) == "1.2"  # benchmark order: 1.2 before 1.10
    state.visit("1.14")
    assert next_unresolved(audit, state, today=TODAY) == "1.14"  # left half-way: reopen there
    state.visit("2.1")
    assert next_unresolved(audit, state, today=TODAY) == "1.2"  # nothing open after 2.1: wrap around
    passing = findings(finding("1.2", Status.PASS), finding("4.4", Status.NOT_APPLICABLE))
    assert next_unresolved(passing, state, today=TODAY) is None


def test_waived_and_attested_controls_are_resolved_until_the_waiver_lapses_or_the_finding_changes(
    log_path: Path,
) -> None:
    state = SessionProgress.load(ACCOUNT_ID, log_path)
    with open_log(log_path) as log:
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, "4.1", reason="bastion", owner="ops", expires=dt.date(2026, 4, 1), today=TODAY
        )
    attest(state, "1.15", "MANUAL")
    attest(state, "1.17", "ERROR", code="UnsupportedOperation")
    attest(state, "4.4", "MANUAL", "rtb-1:10.2.0.0/24")
    waivers = WaiverBook.load(ACCOUNT_ID, log_path).waivers
    audit = findings(
        finding("1.15", Status.MANUAL),
        finding("1.17", Status.ERROR, code="UnsupportedOperation"),
        finding("4.1", Status.FAIL, "sg-1"),
        finding("4.4", Status.MANUAL, "rtb-1:10.2.0.0/24"),
    )
    assert {cid: resolution(f, state, waivers=waivers, today=TODAY) for cid, f in audit.items()} == {
        "1.15": Resolution.ATTESTED,
        "1.17": Resolution.ATTESTED,
        "4.1": Resolution.WAIVED,
        "4.4": Resolution.ATTESTED,
    }
    assert next_unresolved(audit, state, waivers=waivers, today=TODAY) is None
    assert next_unresolved(audit, state, waivers=waivers, today=dt.date(2026, 4, 2)) == "4.1"  # waiver lapsed
    changed = findings(
        finding("1.17", Status.ERROR, code="AccessDenied"),  # no longer "API unsupported": look again
        finding("4.4", Status.MANUAL, "rtb-1:10.2.0.0/24", "rtb-1:10.3.0.0/16"),  # a route nobody reviewed
    )
    assert [resolution(f, state, today=TODAY) for f in changed.values()] == [Resolution.OPEN, Resolution.OPEN]


# -- --config ---------------------------------------------------------------------------------------------------
def test_a_bad_config_key_or_value_is_rejected_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "session.toml"
    config.write_text('driver = "Dana"\n\natestation_name = "Dana Smith"\n')
    proc = run_cli("checklist", "1.15", "--config", str(config))
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"cis-wizard: {config}, line 3: unknown key 'atestation_name' (known: access_log_bucket,")
    assert " attestation_name, " in line and " driver, " in line and " trail_bucket)." in line
    config.write_text('driver = "Dana"\nattestation_name = 42\n')
    proc = run_cli("checklist", "1.15", "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"cis-wizard: {config}, line 2: attestation_name must be text in quotes, not 42."
    config.write_text('driver = "Dana"\nalarm_email = "not-an-address"\n')
    proc = run_cli("checklist", "1.15", "--config", str(config))
    assert proc.returncode == 2 and "'not-an-address' is not a valid e-mail address" in proc.stderr


def test_one_session_file_serves_plan_too(endpoint: str, tmp_path: Path) -> None:
    config = tmp_path / "session.toml"
    config.write_text(
        'driver = "Dana Smith (platform)"\nattestation_name = "Dana Smith"\nalarm_email = "sec@example.com"\n'
        'name_prefix = "acme-"\ntrail_bucket = "acme-trail-logs"\n'
    )
    proc = run_cli("plan", "--endpoint-url", endpoint, "--controls", "1.5", "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert "update-account-password-policy" in proc.stdout
