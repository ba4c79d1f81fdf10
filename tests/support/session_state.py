"""The signed records a checklist or the wizard writes before it touches the progress beside the log, written
the same way here, and findings as the audit hands them over."""

from __future__ import annotations

from pathlib import Path

from tests.support.accounts import ACCOUNT_ID, CALLER
from wizard.audit.findings import Finding, ResourceResult, Status
from wizard.audit_log.records import Kind
from wizard.audit_log.writer import AuditLog
from wizard.state.progress import Attested, SessionProgress


def finding(control_id: str, status: Status, *open_ids: str, code: str | None = None) -> Finding:
    resources = tuple(ResourceResult(r, "us-east-1", status, "to review") for r in open_ids)
    return Finding(control_id, status, f"{control_id} is {status.value}", resources, error_code=code)


def open_log(log_path: Path) -> AuditLog:
    return AuditLog(log_path, ACCOUNT_ID, CALLER, notice=lambda _: None)


def mark_done(progress: SessionProgress, control_id: str, step: str) -> None:
    """As a checklist does: the signed `step-done` record first, then the progress file."""
    with open_log(progress.log_path) as log:
        written = log.record(Kind.CHECKLIST, {"action": "step-done", "step": step}, control_id=control_id)
    progress.mark_step_done(control_id, step, written.when)


def attest(progress: SessionProgress, control_id: str, status: str, *resources: str, code: str | None = None) -> None:
    """As a checklist does: the signed `attestation` record of the finding, then the progress file."""
    shown = [{"id": r, "region": "us-east-1", "status": status, "reason": "to review"} for r in resources]
    finding = {"status": status, "error_code": code, "resources": shown, "resources_total": len(shown)}
    payload = {"by": "Dana", "statement": "reviewed", "finding": finding}
    with open_log(progress.log_path) as log:
        written = log.record(Kind.ATTESTATION, payload, control_id=control_id)
    attested = Attested.from_record(written)
    assert attested == Attested("Dana", "reviewed", written.time, written.seq, status, code, resources)
    progress.record_attestation(control_id, attested)
