"""The answer a report opens with: whose account, who ran what and when; the score before and after, per section;
the changes per control; the steps that failed and what was left as it was; waivers and attestations in full;
what is still open. Computed from the records in scope (and, for a control's state before them, the log before).

A control's verdicts are read from every record that states one: a finding, a plan's evidence before, a verify,
a checklist completed, an attestation's finding. Its state *before* is its first verdict in scope made before any
call changed it (else its last verdict earlier in the log); *after* is its last verdict in scope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit_log.entries import (
    AttestationEntry,
    FailedStep,
    WaiverEntry,
    attestation_entry,
    failed_steps,
    waiver_entry,
)
from wizard.audit_log.query import call_name, record_controls
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.runs import Run
from wizard.catalog import UnknownControlError, load_catalog

WAITING = "Waiting for a person:"


@dataclass(frozen=True)
class SectionScore:
    section: str
    name: str
    controls: int  # in the benchmark
    checked: int  # with a verdict in the log
    passing_before: int
    passing_after: int
    failing_after: int


@dataclass
class ControlChange:
    control_id: str
    title: str
    plans: list[str] = field(default_factory=list)
    calls: int = 0
    ok: int = 0
    failed: int = 0
    no_result: int = 0
    before: str | None = None
    after: str | None = None
    verify: str | None = None  # the last verification's words
    later_ids: str = ""  # its ids in CIS v1.4.0, v3.0.0 and v5.0.0


@dataclass(frozen=True)
class OpenItem:
    control_id: str
    kind: str  # "guided" | "manual" | "pending confirmation" | "declined" | "no result" | "still failing"
    detail: str


@dataclass
class Summary:
    account: str | None
    alias: str | None
    who: list[str]
    callers: list[str]
    started: str | None
    ended: str | None
    sections: list[SectionScore]
    changes: list[ControlChange]
    failed: list[FailedStep]
    waivers: list[WaiverEntry]
    attestations: list[AttestationEntry]
    open_items: list[OpenItem]
    fingerprint: str | None = None

    def totals(self) -> tuple[int, int, int]:
        """(checked, passing before, passing after) over every section."""
        return (
            sum(s.checked for s in self.sections),
            sum(s.passing_before for s in self.sections),
            sum(s.passing_after for s in self.sections),
        )


def _title(control_id: str) -> tuple[str, str, str]:
    """(title, section, fix kind) of a control; blanks for an id the catalog does not know."""
    try:
        control = load_catalog().get(control_id)
    except UnknownControlError:
        return "", "", ""
    return control.title, control.section, control.fix


def verdicts(record: Record) -> list[tuple[str, str, str]]:
    """(control, status, words) a record states."""
    payload, kind = record.payload, record.kind
    found: list[tuple[str, str, str]] = []
    if kind in (Kind.FINDING, Kind.VERIFY) and record.control and isinstance(payload.get("status"), str):
        found.append((record.control, payload["status"], str(payload.get("summary") or "")))
    elif kind == Kind.PLAN and isinstance(payload.get("before"), dict):
        for control, data in payload["before"].items():
            if isinstance(data, dict) and isinstance(data.get("status"), str):
                found.append((str(control), data["status"], str(data.get("summary") or "")))
    elif kind == Kind.CHECKLIST and payload.get("action") == "completed" and record.control:
        found.append((record.control, str(payload.get("finding_status") or ""), str(payload.get("summary") or "")))
    elif kind == Kind.ATTESTATION and record.control and isinstance(payload.get("finding"), dict):
        finding = payload["finding"]
        if isinstance(finding.get("status"), str):
            found.append((record.control, finding["status"], str(finding.get("summary") or "")))
    return [item for item in found if item[1]]


@dataclass
class _States:
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, tuple[str, str]] = field(default_factory=dict)  # status, words


def _states(earlier: Iterable[Record], selected: list[Record]) -> _States:
    states = _States()
    changed: set[str] = set()
    for record in selected:
        if record.kind == Kind.CALL:
            changed.update(c for c in record_controls(record) if c)
        for control, status, words in verdicts(record):
            if control not in changed:
                states.before.setdefault(control, status)
            states.after[control] = (status, words)
    previous: dict[str, str] = {}
    for record in earlier:
        for control, status, _ in verdicts(record):
            previous[control] = status
    for control, status in previous.items():
        states.before.setdefault(control, status)
        states.after.setdefault(control, (status, ""))
    return states


def _sections(states: _States) -> list[SectionScore]:
    catalog = load_catalog()
    scores = []
    for section, name in catalog.sections.items():
        ids = [c.id for c in catalog if c.section == section]
        after = {c: states.after[c][0] for c in ids if c in states.after}
        scores.append(
            SectionScore(
                section=section,
                name=name,
                controls=len(ids),
                checked=len(after),
                passing_before=sum(states.before.get(c) == "PASS" for c in ids),
                passing_after=sum(status == "PASS" for status in after.values()),
                failing_after=sum(status in ("FAIL", "ERROR") for status in after.values()),
            )
        )
    return scores


def _changes(selected: list[Record], results: dict[str, Record], states: _States) -> list[ControlChange]:
    changes: dict[str, ControlChange] = {}

    def change(control: str) -> ControlChange:
        if control not in changes:
            changes[control] = ControlChange(control, _title(control)[0], later_ids=later_ids(control).in_words())
        return changes[control]

    for record in selected:
        if record.kind == Kind.PLAN and isinstance(record.payload.get("plan"), dict):
            plan = record.payload["plan"]
            for control in record_controls(record):
                if control:
                    change(control).plans.append(str(plan.get("title") or plan.get("id") or "plan"))
        elif record.kind == Kind.CALL:
            result = results.get(str(record.payload.get("call_id")))
            for control in record_controls(record):
                if not control:
                    continue
                item = change(control)
                item.calls += 1
                status = result.payload.get("status") if result else None
                item.ok += status == "ok"
                item.failed += status == "error"
                item.no_result += result is None
    for control, item in changes.items():
        item.before = states.before.get(control)
        after = states.after.get(control)
        item.after, item.verify = (after[0], after[1]) if after else (None, None)
    return sorted(changes.values(), key=lambda c: _order(c.control_id))


def _order(control_id: str) -> tuple[int, int]:
    try:
        major, minor = control_id.split(".", 1)
        return int(major), int(minor)
    except ValueError:
        return (10**6, 0)


def _open_items(selected: list[Record], states: _States, settled: set[str], unfinished: list[Record]) -> list[OpenItem]:
    items: list[OpenItem] = []
    for control, (status, words) in sorted(states.after.items(), key=lambda kv: _order(kv[0])):
        if status == "PASS" or control in settled:
            continue
        fix = _title(control)[2]
        if words.startswith(WAITING):
            items.append(OpenItem(control, "pending confirmation", words))
        elif fix in ("guided", "manual"):
            how = f"cis-wizard checklist {control}" if fix == "guided" else "a person's review"
            said = f"{status}: {words}" if words else status
            items.append(OpenItem(control, fix, f"{said} (needs {how})"))
        elif status in ("FAIL", "ERROR"):
            items.append(OpenItem(control, "still failing", f"{status}: {words}".rstrip(": ")))
    for record in selected:
        if record.kind == Kind.CONFIRM and str(record.payload.get("answer", "")).lower() not in ("yes", "y"):
            detail = f"plan {record.payload.get('plan', '?')} not applied: {record.payload.get('how') or 'declined'}"
            items.append(OpenItem(record.control or "", "declined", detail))
    for intent in unfinished:
        detail = f"{call_name(intent.payload)} (record {intent.seq}) has no result: whether AWS acted is unknown"
        items.append(OpenItem(intent.control or "", "no result", detail))
    return items


def _who(runs: list[Run]) -> list[str]:
    people: list[str] = []
    for run in runs:
        drivers = [str(r.payload["driver"]) for r in run.starts if r.payload.get("driver")]
        person = f"{drivers[0]} ({run.first.who})" if drivers else run.first.who
        if person not in people:
            people.append(person)
    return people


def _alias(records: Iterable[Record]) -> str | None:
    for record in records:
        alias = record.payload.get("alias") if record.kind == Kind.SESSION_START else None
        if isinstance(alias, str) and alias:
            return alias
    return None


def build_summary(
    all_records: list[Record],
    selected: list[Record],
    runs: list[Run],
    results: dict[str, Record],
    unfinished: list[Record],
    *,
    account: str | None,
    fingerprint: str | None,
    today: dt.date | None = None,
) -> Summary:
    first_seq = selected[0].seq if selected else 0
    earlier = [r for r in all_records if r.seq < first_seq]
    states = _states(earlier, selected)
    waivers = [waiver_entry(r, runs) for r in selected if r.kind == Kind.WAIVER]
    attestations = [attestation_entry(r, runs) for r in selected if r.kind == Kind.ATTESTATION]
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    in_force = {w.control_id for w in waivers if w.action in ("granted", "changed") and w.expires >= day}
    settled = in_force | {a.control_id for a in attestations}
    return Summary(
        account=account,
        alias=_alias(selected) or _alias(reversed(all_records)),
        who=_who(runs),
        callers=list(dict.fromkeys(r.caller for r in selected)),
        started=selected[0].time if selected else None,
        ended=selected[-1].time if selected else None,
        sections=_sections(states),
        changes=_changes(selected, results, states),
        failed=failed_steps(selected, results),
        waivers=waivers,
        attestations=attestations,
        open_items=_open_items(selected, states, settled, unfinished),
        fingerprint=fingerprint,
    )


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """The summary as the JSON export opens with it."""
    checked, before, after = summary.totals()
    return {
        "account_id": summary.account,
        "alias": summary.alias,
        "who": summary.who,
        "callers": summary.callers,
        "started": summary.started,
        "ended": summary.ended,
        "fingerprint": summary.fingerprint,
        "score": {"checked": checked, "passing_before": before, "passing_after": after},
        "sections": [dataclasses.asdict(s) for s in summary.sections],
        "changes": [dataclasses.asdict(c) for c in summary.changes],
        "failed_steps": [dataclasses.asdict(f) for f in summary.failed],
        "waivers": [dataclasses.asdict(w) for w in summary.waivers],
        "attestations": [dataclasses.asdict(a) for a in summary.attestations],
        "open_items": [dataclasses.asdict(o) for o in summary.open_items],
    }
