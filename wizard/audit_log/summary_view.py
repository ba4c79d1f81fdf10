"""The summary's tables in words, the same for the Markdown and the HTML report: each a title, column headings
and rows of plain text (the renderers make every cell inert and escape it their way)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.audit_log.summary import Summary

if TYPE_CHECKING:
    from wizard.audit_log.report import AuditReport


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    empty: str  # said instead of an empty table
    note: str = ""
    code_columns: tuple[int, ...] = ()  # columns of commands (shown as code)


def stamp(time: str | None) -> str:
    """`2025-05-01 09:30:00Z`."""
    return time[:19].replace("T", " ") + "Z" if time else "-"


def overview(report: AuditReport) -> list[tuple[str, str]]:
    """The answer in a few lines: whose account, who, when, and whether the log is what was signed."""
    summary = report.summary
    account = report.account_id or "?"
    return [
        ("Account", account + (f" (alias {summary.alias})" if summary.alias else " (alias not recorded)")),
        ("Run by", "; ".join(summary.who) or "-"),
        ("AWS identity", "; ".join(summary.callers) or "-"),
        ("When (UTC)", f"{stamp(summary.started)} to {stamp(summary.ended)}" if summary.started else "-"),
        ("Log verification", f"{report.verification_word}: {report.verification_line}"),
        ("Signing key", summary.fingerprint or "none: the log is not signed (written before logs were)"),
        (
            "Scope",
            f"{report.scope} ({_count(len(report.records), 'record')}, {_count(len(report.sessions), 'session')})",
        ),
        ("Log file", str(report.log_path)),
        ("Generated", f"{report.generated_at} by cis-wizard {report.tool_version}"),
    ]


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _arrow(before: str | None, after: str | None) -> str:
    return f"{before or '?'} → {after or '?'}"


def score(summary: Summary) -> Table:
    rows = [
        (
            f"{s.section}. {s.name}",
            str(s.controls),
            str(s.checked),
            f"{s.passing_before} → {s.passing_after}",
            str(s.failing_after),
        )
        for s in summary.sections
    ]
    checked, before, after = summary.totals()
    total = sum(s.controls for s in summary.sections)
    failing = sum(s.failing_after for s in summary.sections)
    rows.append(("All sections", str(total), str(checked), f"{before} → {after}", str(failing)))
    return Table(
        "Score before and after",
        ("Section", "Controls", "With a verdict in the log", "Passing before → after", "Failing after"),
        rows,
        "No verdict in scope.",
        note="Counted over the controls the log has a verdict for; the others were not checked in this scope.",
    )


def changes(summary: Summary) -> Table:
    rows = [
        (
            f"{c.control_id} {c.title}".strip(),
            c.later_ids,
            "; ".join(dict.fromkeys(c.plans)) or "-",
            f"{c.calls} ({c.ok} ok, {c.failed} failed" + (f", {c.no_result} with no result)" if c.no_result else ")"),
            _arrow(c.before, c.after),
            c.verify or "-",
        )
        for c in summary.changes
    ]
    headers = ("Control", "Later CIS ids", "Plan", "Calls made", "Before → after", "Verification")
    return Table("Changes made, per control", headers, rows, "None: no plan was applied in this scope.")


def failed(summary: Summary) -> Table:
    rows = [
        (
            f"{f.control_id} ({f.plan})",
            f.call,
            f"{f.error} (record {f.seq}, {stamp(f.time)})",
            "; ".join(f.left) if f.left else "nothing: it was the plan's last call",
        )
        for f in summary.failed
    ]
    headers = ("Control (plan)", "Call", "Result", "Left as it was (calls of the plan never made)")
    return Table(
        "Failed steps, and what was left as it was",
        headers,
        rows,
        "None: every call made succeeded.",
        code_columns=(1, 3),
    )


def waivers(summary: Summary) -> Table:
    rows = [
        (
            w.control_id,
            w.action,
            w.reason,
            w.owner,
            w.expires,
            f"{w.granted_by_user} as {w.granted_by}",
            w.session,
            f"{w.seq} ({stamp(w.time)})",
        )
        for w in summary.waivers
    ]
    headers = ("Control", "Action", "Reason", "Owner", "Expires", "Granted by", "Session", "Record")
    return Table("Waivers", headers, rows, "None in scope.", code_columns=(5,))


def attestations(summary: Summary) -> Table:
    rows = [
        (a.control_id, a.by, a.statement, f"{a.user} as {a.caller}", a.session, f"{a.seq} ({stamp(a.time)})")
        for a in summary.attestations
    ]
    headers = ("Control", "Attested by", "Statement", "Recorded by", "Session", "Record")
    return Table("Attestations", headers, rows, "None in scope.", code_columns=(3,))


def open_items(summary: Summary) -> Table:
    rows = [(o.control_id or "-", o.kind, o.detail) for o in summary.open_items]
    return Table("Open items", ("Control", "What", "Detail"), rows, "None: nothing is left open in this scope.")


def tables(summary: Summary) -> list[Table]:
    return [
        score(summary),
        changes(summary),
        failed(summary),
        waivers(summary),
        attestations(summary),
        open_items(summary),
    ]
