"""Select records (`--since`, `--until`, `--control`, `--kind`, `--session`) and say in a few words how each
turned out, for `log show` and `log export`.

Payload keys understood here (other parts of the wizard write them; none is required): `status`,
`summary`, `answer` + `how` (confirm), `plan` {`title`, `steps`} or `calls` (plan), `by`/`name`
(attestation), `reason` (waiver), `step`, `command` (session start).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wizard.audit_log.records import Kind, Record
from wizard.errors import UsageError

_SUMMARY_WIDTH = 70


def parse_when(text: str, *, end: bool = False) -> dt.datetime:
    """An ISO date or date-time, UTC unless it says otherwise. A bare date as an end (`--until 2025-05-01`)
    includes that whole day."""
    value = text.strip()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise UsageError(f"{text!r} is not a date or time (use 2025-05-01 or 2025-05-01T14:30).") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if end and len(value) == 10:  # a date alone: up to the end of that day
        moment += dt.timedelta(days=1)
    return moment


def parse_kinds(text: str | None) -> frozenset[str] | None:
    if not text:
        return None
    kinds = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(kinds - {kind.value for kind in Kind})
    if unknown:
        raise UsageError(f"Unknown record kind {', '.join(unknown)} (kinds: {', '.join(k.value for k in Kind)}).")
    return kinds


def record_controls(record: Record) -> list[str]:
    """Every control a record is about: its `control`, and the controls its plan fixes (`controls`)."""
    listed = record.payload.get("controls")
    extra = [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
    return list(dict.fromkeys([*([record.control] if record.control else []), *extra])) or [""]


@dataclass(frozen=True)
class RecordFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive
    controls: tuple[str, ...] = ()  # ids or globs: "1.5", "3.*"
    kinds: frozenset[str] | None = None
    session: str | None = None
    run: str | None = None  # with `session`: the whole run it belongs to (its waivers, its other applies)

    def matches(self, record: Record) -> bool:
        if self.kinds is not None and record.kind not in self.kinds:
            return False
        in_run = self.run is not None and record.run == self.run
        if self.session is not None and record.session != self.session and not in_run:
            return False
        if self.controls and not any(
            fnmatch.fnmatchcase(about, c) for about in record_controls(record) for c in self.controls
        ):
            return False
        if self.since is not None or self.until is not None:
            try:
                when = record.when
            except ValueError:
                return False
            if self.since is not None and when < self.since:
                return False
            if self.until is not None and when >= self.until:
                return False
        return True

    def apply(self, records: Iterable[Record]) -> list[Record]:
        return [record for record in records if self.matches(record)]


def parse_controls(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def resolve_session(records: list[Record], wanted: str) -> str:
    """A session id given in full, by a unique prefix, or as `last`."""
    sessions = list(dict.fromkeys(record.session for record in records if record.session))
    if not sessions:
        raise UsageError("The audit log has no sessions.")
    if wanted == "last":
        return sessions[-1]
    matching = [session for session in sessions if session.startswith(wanted)]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise UsageError(f"No session {wanted!r} in the audit log (try `cis-wizard log show --kind session-start`).")
    raise UsageError(f"Session {wanted!r} is ambiguous: it starts {len(matching)} session ids.")


def run_of_session(records: list[Record], session: str) -> str | None:
    """The run a log session was part of (records written since every record names its run)."""
    return next((record.run for record in records if record.session == session and record.run), None)


def results_by_call(records: Iterable[Record]) -> dict[str, Record]:
    """Each call intent's result record, by call id."""
    return {
        str(record.payload["call_id"]): record
        for record in records
        if record.kind == Kind.RESULT and isinstance(record.payload.get("call_id"), str)
    }


def _short(text: Any) -> str:
    value = " ".join(str(text).split())
    return value if len(value) <= _SUMMARY_WIDTH else value[: _SUMMARY_WIDTH - 1] + "…"


def call_name(payload: Mapping[str, Any]) -> str:
    return f"{payload.get('service', '?')}:{payload.get('operation', '?')}"


def error_text(payload: Mapping[str, Any]) -> str:
    """`error AccessDenied: not allowed` from a result payload."""
    code = f" {payload['error_code']}" if payload.get("error_code") else ""
    message = f": {payload['message']}" if payload.get("message") else ""
    return f"error{code}{message}"


def outcome(record: Record, results: Mapping[str, Record]) -> str:
    """A few words on how this step turned out."""
    payload = record.payload
    kind = record.kind
    if kind == Kind.CALL:
        result = results.get(str(payload.get("call_id")))
        ending = f"→ {result.payload.get('status', '?')} (#{result.seq})" if result else "→ NO RESULT"
        return f"intent {call_name(payload)} {payload.get('region') or ''} {ending}".replace("  ", " ")
    if kind == Kind.RESULT:
        status = str(payload.get("status", "?"))
        if status == "error":
            return _short(error_text(payload))
        return f"{status} {payload.get('operation', '')}".strip()
    if kind == Kind.CONFIRM:
        answer = payload.get("answer", payload.get("decision"))
        if answer is None:
            answer = "yes" if payload.get("confirmed") else "no"
        how = f" ({payload['how']})" if payload.get("how") else ""
        return _short(f"{answer}{how}")
    if kind == Kind.PLAN:
        given = payload.get("plan")
        plan: Mapping[str, Any] = given if isinstance(given, dict) else payload
        steps = plan.get("steps", plan.get("calls"))
        count = f"{len(steps)} call{'s' if len(steps) != 1 else ''}" if isinstance(steps, list) else ""
        title = plan.get("title") or plan.get("summary") or plan.get("id") or ""
        return _short(f"{title} ({count})" if title and count else title or count)
    if kind == Kind.ATTESTATION:
        return _short(f"attested by {payload.get('by') or payload.get('name') or '?'}")
    if kind == Kind.WAIVER:
        owner = payload.get("by") or payload.get("owner")
        until = f", until {payload['expires']}" if payload.get("expires") else ""
        return _short(f"waived: {payload.get('reason') or '?'}" + (f" (owner {owner}{until})" if owner else ""))
    if kind == Kind.SESSION_START:
        return _short(payload.get("command") or "started")
    parts = [str(payload[key]) for key in ("status", "step", "summary") if payload.get(key) not in (None, "")]
    return _short(" · ".join(parts))
