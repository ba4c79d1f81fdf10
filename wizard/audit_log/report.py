"""What `log export` reports, before it is rendered: the answer first (`summary`), then the sessions (one per
run of the wizard or a command, see `runs`), and per control the evidence before, the plan, the confirm, each
call with its result, the verification after, checklists, attestations and waivers; plus the verification
status of the log itself and the fingerprint of the key that signs it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit_log.query import results_by_call
from wizard.audit_log.records import Kind, Record, utc_timestamp
from wizard.audit_log.runs import Run, group_runs
from wizard.audit_log.summary import Summary, build_summary, summary_to_dict
from wizard.audit_log.verify import VerifyReport
from wizard.catalog import UnknownControlError, control_id_key, load_catalog


@dataclass(frozen=True)
class CallStep:
    intent: Record | None  # None: a result whose intent is not in the log
    result: Record | None  # None: no result was recorded (a crash, or an interrupt, between the two)

    @property
    def first(self) -> Record:
        return self.intent or self.result  # type: ignore[return-value]


@dataclass(frozen=True)
class Evidence:
    """A verdict with what it was decided from: a finding or verify record, or one control's "before" in a
    plan record ({"status", "summary", "resources", "evidence": [{"operation", "region", "cli", "response"}]})."""

    record: Record
    data: dict[str, Any]


@dataclass
class ControlTrail:
    control_id: str | None  # None: records about no particular control
    title: str | None = None
    before: list[Evidence] = field(default_factory=list)
    plans: list[Record] = field(default_factory=list)
    fixed_by: list[tuple[str, Record]] = field(default_factory=list)  # a plan filed under another control
    confirms: list[Record] = field(default_factory=list)
    calls: list[CallStep] = field(default_factory=list)
    verifies: list[Evidence] = field(default_factory=list)  # the verification after
    checklists: list[Record] = field(default_factory=list)
    attestations: list[Record] = field(default_factory=list)
    waivers: list[Record] = field(default_factory=list)
    other: list[Record] = field(default_factory=list)

    def is_empty(self) -> bool:
        parts = (self.before, self.plans, self.fixed_by, self.confirms, self.calls, self.verifies, self.checklists)
        return not any((*parts, self.attestations, self.waivers, self.other))


@dataclass(frozen=True)
class SessionInfo:
    """One sitting: a run of the wizard or of a command, with every log session it opened."""

    id: str
    start: Record | None  # its first session-start
    end: Record | None  # its last session-end
    first: Record
    last: Record
    records: int
    log_sessions: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # how each log session ended
    open_sessions: int = 0  # log sessions with no session-end

    @classmethod
    def of(cls, run: Run) -> SessionInfo:
        starts, ends = run.starts, run.ends
        ended = {r.session for r in ends}
        return cls(
            id=run.id,
            start=starts[0] if starts else None,
            end=ends[-1] if ends else None,
            first=run.first,
            last=run.last,
            records=len(run.records),
            log_sessions=tuple(run.sessions),
            commands=tuple(dict.fromkeys(str(r.payload.get("command") or "?") for r in starts)),
            statuses=tuple(str(r.payload.get("status", "?")) for r in ends),
            open_sessions=sum(1 for session in run.sessions if session not in ended),
        )

    @property
    def driver(self) -> str:
        """Who drove: the name given at session start (an onboarding session), else the local user."""
        named = (self.start.payload.get("driver") if self.start else None) or None
        return f"{named} ({self.first.who})" if named else self.first.who

    @property
    def status(self) -> str:
        if not self.log_sessions:
            return "records outside a session"
        if self.end is None or self.open_sessions:
            return "no session-end (still running, or it crashed)"
        bad = [status for status in self.statuses if status != "ok"]
        return bad[0] if bad else "ok"

    @property
    def what(self) -> str:
        """`apply`, or `tui (3 applies)`: the commands run and how many log sessions they opened."""
        count = len(self.log_sessions)
        applies = f" ({count} log sessions)" if count > 1 else ""
        return (", ".join(self.commands) or "-") + applies


@dataclass
class AuditReport:
    account_id: str | None
    log_path: Path
    scope: str
    generated_at: str
    verification: VerifyReport | None
    verification_error: str | None  # why the log could not be verified (no key), when it could not
    records: list[Record]
    sessions: list[SessionInfo]
    controls: list[ControlTrail]
    general: ControlTrail
    unfinished: list[CallStep]
    torn_lines: list[int]
    summary: Summary
    tool_version: str = __version__

    @property
    def fingerprint(self) -> str | None:
        return self.verification.fingerprint if self.verification else None

    @property
    def verification_word(self) -> str:
        if self.verification is None:
            return "NOT VERIFIED"
        return "INTACT" if self.verification.intact else "TAMPERED"

    @property
    def verification_line(self) -> str:
        """The verification of the whole log (not only the records in scope), in one line."""
        found = self.verification
        if found is None:
            return str(self.verification_error)
        if found.intact:
            torn = f"; torn line(s) {', '.join(map(str, found.torn_lines))}" if found.torn_lines else ""
            return f"records 1-{found.last_seq}: {found.checked()} verified{torn}"
        where = f"at record {found.first_bad_seq}: " if found.first_bad_seq is not None else ""
        return f"{where}{found.problem}"


def _control_title(control_id: str) -> str | None:
    try:
        return load_catalog().get(control_id).title
    except UnknownControlError:
        return None


def _control_order(control_id: str) -> tuple[int, int, str]:
    try:
        return (*control_id_key(control_id), "")
    except ValueError:
        return (10**6, 0, control_id)


_BUCKETS = {
    Kind.CONFIRM: "confirms",
    Kind.CHECKLIST: "checklists",
    Kind.ATTESTATION: "attestations",
    Kind.WAIVER: "waivers",
}


def _spread_plan(record: Record, trails: dict[str | None, ControlTrail]) -> None:
    """A plan's "before" evidence goes to each control it names; the other controls it fixes point to it."""
    before = record.payload.get("before")
    if isinstance(before, dict):
        for control_id, data in before.items():
            if isinstance(data, dict):
                trails.setdefault(control_id, ControlTrail(control_id)).before.append(Evidence(record, data))
    plan = record.payload.get("plan")
    controls = plan.get("controls") if isinstance(plan, dict) else None
    for control_id in controls if isinstance(controls, list) else []:
        if isinstance(control_id, str) and control_id != record.control:
            trails.setdefault(control_id, ControlTrail(control_id)).fixed_by.append((str(record.control), record))


def _trails(
    all_records: list[Record], selected: list[Record], results: dict[str, Record]
) -> tuple[dict[str | None, ControlTrail], list[CallStep]]:
    """The selected records by control (None: about no control), and the calls with no result."""
    intents = {
        str(r.payload["call_id"]): r
        for r in all_records
        if r.kind == Kind.CALL and isinstance(r.payload.get("call_id"), str)
    }
    trails: dict[str | None, ControlTrail] = {}
    unfinished: list[CallStep] = []
    paired: set[str] = set()
    for record in selected:
        trail = trails.setdefault(record.control, ControlTrail(record.control))
        if record.kind in (Kind.CALL, Kind.RESULT):
            call_id = str(record.payload.get("call_id"))
            if call_id in paired:
                continue
            paired.add(call_id)
            step = CallStep(intents.get(call_id), results.get(call_id))
            trail.calls.append(step)
            if step.result is None:
                unfinished.append(step)
        elif record.kind == Kind.FINDING:
            trail.before.append(Evidence(record, record.payload))
        elif record.kind == Kind.VERIFY:
            trail.verifies.append(Evidence(record, record.payload))
        elif record.kind == Kind.PLAN:
            trail.plans.append(record)
            _spread_plan(record, trails)
        elif record.kind in _BUCKETS:
            getattr(trail, _BUCKETS[Kind(record.kind)]).append(record)
        elif record.kind not in (Kind.SESSION_START, Kind.SESSION_END):
            trail.other.append(record)
    return trails, unfinished


def build_report(
    all_records: list[Record],
    selected: list[Record],
    *,
    log_path: Path,
    scope: str,
    verification: VerifyReport | None,
    verification_error: str | None = None,
    torn_lines: list[int] | None = None,
    now: dt.datetime | None = None,
) -> AuditReport:
    """Group the selected records by control; calls are paired with their results across the whole log."""
    results = results_by_call(all_records)
    trails, unfinished = _trails(all_records, selected, results)
    general = trails.pop(None, ControlTrail(None))
    controls = sorted((t for t in trails.values() if t.control_id), key=lambda t: _control_order(str(t.control_id)))
    for trail in controls:
        trail.title = _control_title(str(trail.control_id))
    account = next((r.account for r in all_records), verification.account_id if verification else None)
    runs = group_runs(selected)
    summary = build_summary(
        all_records,
        selected,
        runs,
        results,
        [step.intent for step in unfinished if step.intent],
        account=account,
        fingerprint=verification.fingerprint if verification else None,
        today=(now or dt.datetime.now(dt.UTC)).date(),
    )
    return AuditReport(
        account_id=account,
        log_path=log_path,
        scope=scope,
        generated_at=utc_timestamp(now or dt.datetime.now(dt.UTC)),
        verification=verification,
        verification_error=verification_error,
        records=selected,
        sessions=[SessionInfo.of(run) for run in runs],
        controls=controls,
        general=general,
        unfinished=unfinished,
        torn_lines=torn_lines or [],
        summary=summary,
    )


def _trail_dict(trail: ControlTrail) -> dict[str, Any]:
    def records(items: list[Record]) -> list[dict[str, Any]]:
        return [item.to_dict() for item in items]

    def evidence(items: list[Evidence]) -> list[dict[str, Any]]:
        return [{"seq": item.record.seq, "time": item.record.time, **item.data} for item in items]

    return {
        "id": trail.control_id,
        "title": trail.title,
        "benchmark_ids": later_ids(trail.control_id).to_dict() if trail.control_id else None,
        "evidence_before": evidence(trail.before),
        "plans": records(trail.plans),
        "fixed_by_plan_in": [{"control": control, "seq": plan.seq} for control, plan in trail.fixed_by],
        "confirmations": records(trail.confirms),
        "calls": [
            {
                "intent": step.intent.to_dict() if step.intent else None,
                "result": step.result.to_dict() if step.result else None,
            }
            for step in trail.calls
        ],
        "verification_after": evidence(trail.verifies),
        "checklists": records(trail.checklists),
        "attestations": records(trail.attestations),
        "waivers": records(trail.waivers),
        "other": records(trail.other),
    }


def report_to_dict(report: AuditReport) -> dict[str, Any]:
    """The JSON export: everything in the report, each record in full (hashes and HMACs included)."""
    verification = report.verification.to_dict() if report.verification else {"error": report.verification_error}
    return {
        "report": "cis-wizard audit log",
        "generated_at": report.generated_at,
        "tool_version": report.tool_version,
        "account_id": report.account_id,
        "summary": summary_to_dict(report.summary),
        "fingerprint": report.fingerprint,
        "scope": report.scope,
        "log": {"path": str(report.log_path), "verification": verification, "torn_lines": report.torn_lines},
        "records": len(report.records),
        "sessions": [
            {
                "id": s.id,
                "started": s.first.time,
                "ended": s.last.time,
                "driver": s.driver,
                "caller": s.first.caller,
                "host": s.first.host,
                "commands": list(s.commands),
                "log_sessions": list(s.log_sessions),
                "status": s.status,
                "records": s.records,
            }
            for s in report.sessions
        ],
        "controls": [_trail_dict(trail) for trail in report.controls],
        "general": _trail_dict(report.general),
        "unfinished_calls": [step.intent.to_dict() for step in report.unfinished if step.intent],
    }
