"""The entries of a report's summary that are records told in full: each step that failed (with the calls of
its plan never made), each waiver (reason, owner, expiry, who granted it, in which session) and each
attestation (who, what, when, as whom)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.audit_log.query import call_name, error_text
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.runs import Run


@dataclass(frozen=True)
class FailedStep:
    control_id: str
    plan: str
    call: str
    error: str
    seq: int
    time: str
    left: tuple[str, ...]  # the plan's calls never made: what was left as it was


@dataclass(frozen=True)
class WaiverEntry:
    control_id: str
    action: str
    reason: str
    owner: str
    expires: str
    granted_by: str
    granted_by_user: str
    session: str
    seq: int
    time: str


@dataclass(frozen=True)
class AttestationEntry:
    control_id: str
    by: str
    statement: str
    caller: str
    user: str
    session: str
    seq: int
    time: str


def session_label(runs: list[Run], record: Record) -> str:
    for number, run in enumerate(runs, start=1):
        if any(item.seq == record.seq for item in run.records):
            return f"session {number} ({run.id})"
    return f"outside the sessions in scope (record {record.seq})"


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return "" if value is None else str(value)


def waiver_entry(record: Record, runs: list[Run]) -> WaiverEntry:
    payload = record.payload
    granted = payload.get("granted_by") if isinstance(payload.get("granted_by"), dict) else {}
    assert isinstance(granted, dict)
    return WaiverEntry(
        control_id=record.control or "",
        action=_text(payload, "action") or "granted",
        reason=_text(payload, "reason"),
        owner=_text(payload, "owner") or _text(payload, "by"),
        expires=_text(payload, "expires"),
        granted_by=str(granted.get("caller") or record.caller),
        granted_by_user=str(granted.get("user") or record.user),
        session=session_label(runs, record),
        seq=record.seq,
        time=record.time,
    )


def attestation_entry(record: Record, runs: list[Run]) -> AttestationEntry:
    payload = record.payload
    return AttestationEntry(
        control_id=record.control or "",
        by=_text(payload, "by") or _text(payload, "name"),
        statement=_text(payload, "statement"),
        caller=record.caller,
        user=f"{record.user}@{record.host}",
        session=session_label(runs, record),
        seq=record.seq,
        time=record.time,
    )


def _plan_steps(plans: dict[str, Record]) -> dict[str, list[dict[str, Any]]]:
    steps: dict[str, list[dict[str, Any]]] = {}
    for plan_id, record in plans.items():
        plan = record.payload.get("plan")
        listed = plan.get("steps") if isinstance(plan, dict) else None
        steps[plan_id] = [s for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []
    return steps


def failed_steps(selected: list[Record], results: dict[str, Record]) -> list[FailedStep]:
    plans = {
        str(r.payload["plan"].get("id")): r
        for r in selected
        if r.kind == Kind.PLAN and isinstance(r.payload.get("plan"), dict)
    }
    steps = _plan_steps(plans)
    attempted: dict[str, set[str]] = {}
    for record in selected:
        if record.kind == Kind.CALL:
            attempted.setdefault(str(record.payload.get("plan")), set()).add(str(record.payload.get("step")))
    failed = []
    for record in selected:
        result = results.get(str(record.payload.get("call_id"))) if record.kind == Kind.CALL else None
        if result is None or result.payload.get("status") != "error":
            continue
        plan_id = str(record.payload.get("plan") or "")
        left = tuple(
            str(step.get("cli") or call_name(step))
            for step in steps.get(plan_id, [])
            if str(step.get("id")) not in attempted.get(plan_id, set())
        )
        failed.append(
            FailedStep(
                control_id=record.control or "",
                plan=plan_id or "-",
                call=str(record.payload.get("cli") or call_name(record.payload)),
                error=error_text(result.payload),
                seq=result.seq,
                time=result.time,
                left=left,
            )
        )
    return failed
