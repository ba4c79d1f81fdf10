"""The wording the report formats share (Markdown in `export`, HTML in `html`): times, verdicts, calls, and the
evidence and resources of a finding, as the log recorded them."""

from __future__ import annotations

import json
from typing import Any

from wizard.audit_log.query import call_name, error_text, outcome
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.report import CallStep, ControlTrail


def when(record: Record) -> str:
    """`2025-05-01 09:30:00Z`: UTC to the second."""
    return record.time[:19].replace("T", " ") + "Z"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def evidence_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = data.get("evidence")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def resource_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = data.get("resources")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def verdict(data: dict[str, Any]) -> str:
    """`FAIL: 2 users without MFA`, from a finding, verify or checklist payload."""
    head = " ".join(str(data[key]) for key in ("status", "step") if data.get(key) not in (None, ""))
    summary = data.get("summary")
    if summary:
        return f"{head}: {summary}" if head else str(summary)
    return head or "(no status recorded)"


def describe(record: Record) -> str:
    """One line on a plan, confirm, checklist, attestation, waiver or other record; a waiver and an attestation
    in full (the log view cuts them to fit a line, a report never does)."""
    payload = record.payload
    if record.kind == Kind.WAIVER:
        owner = payload.get("owner") or payload.get("by")
        until = f", until {payload['expires']}" if payload.get("expires") else ""
        action = payload.get("action")
        word = f"waiver {action}" if action and action != "granted" else "waived"
        return f"{word}: {payload.get('reason') or '?'}" + (f" (owner {owner}{until})" if owner else "")
    if record.kind == Kind.ATTESTATION:
        statement = f": {payload['statement']}" if payload.get("statement") else ""
        return f"attested by {payload.get('by') or payload.get('name') or '?'}{statement}"
    return outcome(record, {})


def plan_commands(record: Record) -> list[str]:
    """The exact calls a plan record shows, as `aws ...` commands (payload `plan.steps` or `calls`)."""
    plan = record.payload.get("plan")
    steps = plan.get("steps") if isinstance(plan, dict) else record.payload.get("calls")
    if not isinstance(steps, list):
        return []
    return [str(step.get("cli") or call_name(step)) for step in steps if isinstance(step, dict)]


def record_details(record: Record) -> dict[str, Any]:
    """A payload without what is already shown in words (and a plan without its steps and "before")."""
    shown = {"status", "summary", "evidence", "resources", "call_id", "step", "before", "answer", "how", "by", "reason"}
    shown |= {"owner", "expires", "action"} if record.kind == Kind.WAIVER else set()
    shown |= {"statement"} if record.kind == Kind.ATTESTATION else set()
    details = {key: value for key, value in record.payload.items() if key not in shown}
    if isinstance(details.get("plan"), dict):
        details["plan"] = {key: value for key, value in details["plan"].items() if key not in ("steps", "cli")}
    return details


def call_status(step: CallStep) -> str:
    if step.result is None:
        return "NO RESULT recorded: the call may or may not have reached AWS"
    payload = step.result.payload
    if payload.get("status") == "error":
        return error_text(payload)
    return str(payload.get("status", "?"))


def call_params(step: CallStep) -> Any:
    return step.intent.payload.get("params") if step.intent else None


def call_cli(step: CallStep) -> str:
    if step.intent is None:
        return str(step.result.payload.get("operation", "?")) if step.result else "?"
    return str(step.intent.payload.get("cli") or call_name(step.intent.payload))


def other_sections(trail: ControlTrail) -> list[tuple[str, list[Record]]]:
    return [
        ("Checklist", trail.checklists),
        ("Attestations", trail.attestations),
        ("Waivers", trail.waivers),
        ("Other records", trail.other),
    ]
