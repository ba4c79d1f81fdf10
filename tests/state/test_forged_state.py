"""The waivers and progress beside the log are caches of it: an entry counts only when a signed record of the
log says the same (control, reason, owner, expiry, record number; step and time; attestation). A forged,
edited or stale entry is ignored (the control counts as failing, the step as not done), said by `audit`, and
named by `log verify`, which exits 3."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.cli import run_cli
from tests.support.session_state import attest, finding, mark_done, open_log
from wizard.audit.findings import Status
from wizard.audit_log.records import Kind
from wizard.audit_log.verify import verify_log
from wizard.state.progress import SessionProgress, next_unresolved, progress_path
from wizard.state.waivers import WaiverBook, waivers_path

FORGED = ("1.5", "1.6", "1.7", "1.8")


def in_days(days: int) -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Change a JSON file by hand, as someone with write access beside the log would (its mode stays)."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_waivers_forged_with_a_real_records_number_do_not_count_and_verify_names_them(
    endpoint: str, log_path: Path
) -> None:
    with open_log(log_path) as log:
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, "4.4", reason="peering reviewed", owner="net-team", expires=in_days(30)
        )
    assert verify_log(log_path).intact
    path = waivers_path(ACCOUNT_ID, log_path)
    edit(path, lambda data: data["waivers"].update({c: {**data["waivers"]["4.4"], "control": c} for c in FORGED}))

    proc = run_cli(
        "audit", "--endpoint-url", endpoint, "--regions", HOME, "--controls", "1.5-1.8,4.4", "--format", "json",
        "--log", str(log_path),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # the password policy controls fail, unwaived
    controls = {c["id"]: c for c in json.loads(proc.stdout)["controls"]}
    assert all(controls[c]["status"] == "FAIL" and not controls[c].get("waiver") for c in FORGED)
    assert controls["4.4"]["waiver"]["reason"] == "peering reviewed"
    ignored = [line for line in proc.stderr.splitlines() if "is ignored" in line]
    assert ignored == [
        f"cis-wizard: the waiver of {c} in {path} is ignored: no signed record of the log grants it." for c in FORGED
    ]

    verify = run_cli("log", "verify", "--log", str(log_path))
    assert verify.returncode == 3
    assert "TAMPERED: the state beside the log does not match it: the waiver of 1.5" in verify.stdout
    assert all(f"  not signed: the waiver of {c} in {path} is ignored" in verify.stdout for c in FORGED)
    report = json.loads(run_cli("log", "verify", "--log", str(log_path), "--format", "json").stdout)
    assert report["intact"] is False and report["log_intact"] is True and report["first_bad_seq"] is None
    assert [m.split(" in ")[0] for m in report["state_mismatches"]] == [f"the waiver of {c}" for c in FORGED]


def test_an_edited_or_stale_waiver_is_ignored(log_path: Path) -> None:
    path = waivers_path(ACCOUNT_ID, log_path)
    with open_log(log_path) as log:
        book = WaiverBook.load(ACCOUNT_ID, log_path)
        first = book.grant(log, "4.1", reason="legacy bastion", owner="ops", expires=in_days(300))
        long_lived = json.loads(path.read_text())["waivers"]["4.1"]
        second = book.grant(log, "4.1", reason="legacy bastion, shortened", owner="ops", expires=in_days(20))
    edit(path, lambda data: data["waivers"].update({"4.1": long_lived}))  # the old, longer waiver put back
    stale = WaiverBook.load(ACCOUNT_ID, log_path)
    assert stale.get("4.1") is None
    assert stale.rejected == (
        f"the waiver of 4.1 in {path} is ignored: it names record {first.log_seq}, but the newest signed waiver of "
        f"4.1 is record {second.log_seq}.",
    )
    edit(path, lambda data: data["waivers"]["4.1"].update(second.to_dict(), expires=in_days(365).isoformat()))
    edited = WaiverBook.load(ACCOUNT_ID, log_path)
    assert edited.get("4.1") is None
    assert edited.rejected[0].endswith(f"is ignored: record {second.log_seq} has another expires.")
    assert "record" in verify_log(log_path).state_mismatches[0]
    edit(path, lambda data: data["waivers"]["4.1"].update(second.to_dict()))
    assert WaiverBook.load(ACCOUNT_ID, log_path).get("4.1") == second and verify_log(log_path).intact


def test_forged_steps_and_attestations_do_not_count_and_verify_names_them(log_path: Path) -> None:
    progress = SessionProgress.load(ACCOUNT_ID, log_path)
    mark_done(progress, "1.14", "get-device")
    attest(progress, "4.4", "MANUAL", "rtb-1:10.2.0.0/24")
    assert verify_log(log_path).intact
    path = progress_path(ACCOUNT_ID, log_path)

    def forge(data: dict) -> None:  # type: ignore[type-arg]
        data["controls"]["1.14"]["steps_done"]["sign-in-root"] = "2026-01-01T00:00:00.000000Z"
        genuine = {**data["controls"]["4.4"]["attested"]}  # 1.15 "attested" with 4.4's record number
        data["controls"]["1.15"] = {"steps_done": {}, "attested": {**genuine, "resources": []}}
        data["controls"]["4.4"]["attested"]["resources"].append("rtb-1:10.9.0.0/16")  # a route nobody saw

    edit(path, forge)
    reloaded = SessionProgress.load(ACCOUNT_ID, log_path)
    assert list(reloaded.steps_done("1.14")) == ["get-device"]
    assert reloaded.attestation("1.15") is None and reloaded.attestation("4.4") is None
    assert len(reloaded.rejected) == 3
    assert reloaded.rejected[0].startswith(f"step 'sign-in-root' of 1.14 in {path} is ignored: no signed record")
    assert "4.4" in reloaded.rejected[1] and "it is not what record" in reloaded.rejected[1]
    assert (
        reloaded.rejected[2] == f"the attestation of 1.15 in {path} is ignored: no signed record of the log attests it."
    )
    audit = {"1.15": finding("1.15", Status.MANUAL), "4.4": finding("4.4", Status.MANUAL, "rtb-1:10.2.0.0/24")}
    assert next_unresolved(audit, reloaded) == "1.15"

    report = verify_log(log_path)
    assert not report.intact and report.log_problem is None and len(report.state_mismatches) == 3
    assert report.headline().startswith(f"Audit log {log_path}: TAMPERED: the state beside the log does not match")


def test_a_step_from_before_a_restart_put_back_does_not_count(log_path: Path) -> None:
    progress = SessionProgress.load(ACCOUNT_ID, log_path)
    mark_done(progress, "1.14", "get-device")
    before = progress.steps_done("1.14")
    progress.restart("1.14")
    with open_log(log_path) as log:
        log.record(Kind.CHECKLIST, {"action": "restarted", "summary": "steps started over"}, "1.14")
    edit(progress_path(ACCOUNT_ID, log_path), lambda data: data["controls"]["1.14"]["steps_done"].update(before))
    reloaded = SessionProgress.load(ACCOUNT_ID, log_path)
    assert reloaded.steps_done("1.14") == {}
    assert "since the checklist last restarted" in reloaded.rejected[0]
    mark_done(reloaded, "1.14", "get-device")  # done again after the restart: it counts, and the forgery is gone
    assert list(SessionProgress.load(ACCOUNT_ID, log_path).steps_done("1.14")) == ["get-device"]
    assert verify_log(log_path).intact


def test_without_the_log_nothing_beside_it_counts(log_path: Path, tmp_path: Path) -> None:
    with open_log(log_path) as log:
        WaiverBook.load(ACCOUNT_ID, log_path).grant(log, "4.4", reason="reviewed", owner="net", expires=in_days(9))
    elsewhere = tmp_path / "logs" / "copy.jsonl"  # the state copied beside another (empty) log
    waivers_path(ACCOUNT_ID, elsewhere).write_bytes(waivers_path(ACCOUNT_ID, log_path).read_bytes())
    waivers_path(ACCOUNT_ID, elsewhere).chmod(0o600)
    book = WaiverBook.load(ACCOUNT_ID, elsewhere)
    assert book.waivers == {}
    assert book.rejected == (
        f"the waiver of 4.4 in {waivers_path(ACCOUNT_ID, elsewhere)} is ignored: no signed record of the log grants "
        f"it (There is no audit log at {elsewhere}).",
    )
