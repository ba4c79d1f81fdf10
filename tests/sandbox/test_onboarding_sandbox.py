"""The issue's "done when", on the sandbox: take 1.14 from FAIL to PASS by following its checklist (the sandbox
changed as the console would), attest 1.15, waive 4.4 with an expiry, quit, reopen, find the session where it
was left, and find all of it in `cis-wizard log export` and in `cis-wizard audit`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.checklists import (
    CLEAR_LINE,
    ENTER,
    PICK_1,
    YES,
    AccountFiles,
    LiveWalk,
    console_replaces_root_virtual_mfa,
    walk,
)
from tests.support.cli import run_cli
from tests.support.sandboxes import sandbox_context
from wizard.audit.findings import Status
from wizard.audit.run import run_audit
from wizard.catalog import load_catalog
from wizard.sandbox import Sandbox
from wizard.sandbox.root_account import RootAccountState
from wizard.state.progress import Resolution, next_unresolved, resolution
from wizard.state.waivers import utc_today


@pytest.fixture
def files(sandbox: Sandbox, tmp_path: Path, file_key: Path) -> AccountFiles:
    return AccountFiles(sandbox_context(sandbox), sandbox.regions, tmp_path / "logs" / f"{sandbox.account_id}.jsonl")


def audit_findings(files: AccountFiles) -> dict[str, object]:
    result = run_audit(files.ctx, list(load_catalog()), files.regions)
    return {r.control.id: r.finding for r in result.results}


def test_onboarding_on_the_sandbox_from_fail_to_pass_attest_waive_quit_and_resume(  # type: ignore[no-untyped-def]
    sandbox, files
) -> None:
    before = audit_findings(files)
    assert before["1.14"].status is Status.FAIL  # type: ignore[attr-defined]
    assert next_unresolved(before, files.progress()) == "1.1"  # type: ignore[arg-type]

    # 1.14: the checklist, with the console's change made while the person is at step 5.
    live = LiveWalk(files, "1.14", driver="Dana Smith")
    live.type(PICK_1 * 4)
    live.wait_for("Step 5 of 6: Remove root's virtual MFA device")
    live.wait_for("--endpoint-url " + sandbox.endpoint_url)
    serial = "arn:aws:iam::123456789012:mfa/root-account-mfa-device"
    assert f"aws iam delete-virtual-mfa-device --serial-number {serial}" in live.text
    fresh_root = RootAccountState(
        mfa_enabled=True,
        access_key_active=True,
        password_last_used=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
        access_key_last_used=dt.datetime.now(dt.UTC) - dt.timedelta(days=45),
    )
    console_replaces_root_virtual_mfa(sandbox.account_id, files.ctx.client("iam"), fresh_root)
    live.type(PICK_1 * 2)
    assert live.finish() == 0
    assert "1.14 complete. Check 1.14 is PASS" in live.text

    # 1.15: attested; 4.4: waived until a date.
    code, screen = walk(files, "1.15", PICK_1 * 4 + ENTER + ENTER + YES, attestation_name="Dana Smith")
    assert code == 0, screen
    expiry = (utc_today() + dt.timedelta(days=45)).isoformat()
    keys = "Peering to shared-services, narrowed in Q3" + ENTER + ENTER + CLEAR_LINE + expiry + ENTER + YES
    code, screen = walk(files, "4.4", keys, waive=True, driver="net-team")
    assert code == 0, screen

    # Quit, and reopen: everything read back from the files beside the log and a fresh audit.
    progress, book = files.progress(), files.book()
    after = audit_findings(files)
    states = {cid: resolution(after[cid], progress, waivers=book.waivers) for cid in ("1.14", "1.15", "4.4")}  # type: ignore[arg-type]
    assert states == {"1.14": Resolution.PASSES, "1.15": Resolution.ATTESTED, "4.4": Resolution.WAIVED}
    assert progress.last_control == "4.4"
    assert next_unresolved(after, progress, waivers=book.waivers) == "1.1"  # type: ignore[arg-type]  # wrapped past 4.4
    assert after["4.4"].status is Status.MANUAL  # type: ignore[attr-defined]  # the waiver changes no status

    # All of it in the log, which verifies, and the waiver in the audit.
    export = run_cli("log", "export", "--log", str(files.log_path), "--format", "json")
    assert export.returncode == 0, export.stderr
    report = json.loads(export.stdout)
    text = json.dumps(report)
    for expected in ('"action": "completed"', '"by": "check"', '"by": "Dana Smith"', '"action": "granted"'):
        assert expected in text, expected
    assert "Peering to shared-services, narrowed in Q3" in text
    assert run_cli("log", "verify", "--log", str(files.log_path)).returncode == 0
    proc = run_cli(
        "audit",
        "--endpoint-url",
        sandbox.endpoint_url,
        "--regions",
        ",".join(sandbox.regions),
        "--controls",
        "1.14,1.15,4.4",
        "--format",
        "json",
        "--log",
        str(files.log_path),
    )
    controls = {c["id"]: c for c in json.loads(proc.stdout)["controls"]}
    assert controls["1.14"]["status"] == "PASS"
    assert controls["4.4"]["waiver"]["expires"] == expiry and controls["4.4"]["waiver"]["expired"] is False
