"""Audit results as JSON (the DESIGN.md contract), CSV, ASFF (`formats.asff`), SARIF (`formats.sarif`), JUnit XML
(`formats.junit`), and a rich table for people. The JSON, ASFF and SARIF name each control's ids in the later
benchmark versions too (`formats.benchmark_ids`).

Waivers (`wizard.state.waivers`) are shown beside a control's status, never instead of it: a `waiver` object on the
control in JSON, "FAIL (waived until 2027-01-31)" in the table; an expired one is flagged as expired.

Summaries, resource names and reasons are AWS's words (`wizard.inert_text`): the table shows them inert, the
CSV also keeps spreadsheets from running them as formulas; JSON escapes by itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from wizard.audit.findings import Status
from wizard.audit.formats import FORMATS as FORMATS  # re-exported: `audit --format`
from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit.run import AuditResult, ControlResult
from wizard.catalog import load_catalog
from wizard.inert_text import csv_cell, inert_text
from wizard.styles import status_badge

if TYPE_CHECKING:
    from wizard.state.waivers import Waiver

Waivers = Mapping[str, "Waiver"]  # control id -> waiver, e.g. WaiverBook.waivers


def _timestamp(result: AuditResult, which: str) -> str:
    moment = result.started_at if which == "start" else result.finished_at
    return moment.isoformat().replace("+00:00", "Z")


def _utc_today() -> date:
    return datetime.now(UTC).date()


def audit_day(result: AuditResult) -> date:
    """The UTC date a waiver's expiry is judged on: the day the audit finished."""
    return result.finished_at.astimezone(UTC).date()


def control_to_dict(item: ControlResult, waiver: Waiver | None = None, today: date | None = None) -> dict[str, Any]:
    control, finding = item.control, item.finding
    entry: dict[str, Any] = {
        "id": control.id,
        "title": control.title,
        "section": control.section,
        "level": control.level,
        "scored": control.scored,
        "status": finding.status.value,
        "summary": finding.summary,
        "fix": control.fix,
        "security_hub": list(control.security_hub),
        "benchmark_ids": {"1.2.0": [control.id], **later_ids(control.id).to_dict()},
        "resources": [r.to_dict() for r in finding.resources],
        "evidence": [e.to_dict() for e in finding.evidence],
    }
    if finding.error_code:
        entry["error_code"] = finding.error_code
    if waiver is not None:
        entry["waiver"] = waiver.to_report(today or _utc_today())
    return entry


def to_json_dict(result: AuditResult, waivers: Waivers | None = None) -> dict[str, Any]:
    catalog = load_catalog()
    passing, total = result.score()
    scored_passing, scored_total = result.score(scored_only=True)
    return {
        "benchmark": {"name": catalog.name, "version": catalog.version},
        "account_id": result.identity.account_id,
        "caller_arn": result.identity.arn,
        "regions": result.regions,
        "started_at": _timestamp(result, "start"),
        "finished_at": _timestamp(result, "finish"),
        "api_calls": result.api_calls,
        "score": {
            "passing": passing,
            "total": total,
            "scored_passing": scored_passing,
            "scored_total": scored_total,
        },
        "controls": [
            control_to_dict(item, (waivers or {}).get(item.control.id), audit_day(result)) for item in result.results
        ],
    }


def render_json(result: AuditResult, waivers: Waivers | None = None) -> str:
    return json.dumps(to_json_dict(result, waivers), indent=2, default=str) + "\n"


CSV_COLUMNS = (
    "id",
    "title",
    "section",
    "level",
    "scored",
    "status",
    "fix",
    "summary",
    "resource",
    "region",
    "resource_status",
    "reason",
)


def render_csv(result: AuditResult) -> str:
    """One row per resource (a control with none gets one row), so spreadsheets can filter failing resources."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in result.results:
        c, f = item.control, item.finding
        base = [c.id, c.title, c.section, c.level, c.scored, f.status.value, c.fix, f.summary]
        rows = f.resources or ()
        if not rows:
            writer.writerow([csv_cell(cell) for cell in (*base, "", "", "", "")])
        for r in rows:
            writer.writerow([csv_cell(cell) for cell in (*base, r.id, r.region, r.status.value, r.reason)])
    return out.getvalue()


def status_text(status: Status, waiver: Waiver | None = None, today: date | None = None) -> Text:
    text = status_badge(status)
    if waiver is not None:
        day = today or _utc_today()
        text.append(f" ({waiver.marker(day)})", style="bold red" if waiver.is_expired(day) else "yellow")
    return text


def score_line(result: AuditResult) -> str:
    passing, total = result.score()
    scored_passing, scored_total = result.score(scored_only=True)
    counts = result.counts()
    parts = ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])
    return (
        f"Score: {passing}/{total} controls pass; {scored_passing}/{scored_total} scored controls pass "
        f"({parts}). {result.api_calls} API calls in {(result.finished_at - result.started_at).total_seconds():.1f} s."
    )


def render_table(result: AuditResult, waivers: Waivers | None = None) -> RenderableType:
    catalog = load_catalog()
    parts: list[RenderableType] = [
        inert_text(
            f"{catalog.name} v{catalog.version} — account {result.identity.account_id} "
            f"({result.identity.arn}), regions: {', '.join(result.regions)}",
            style="bold",
        )
    ]
    by_section: dict[str, list[ControlResult]] = {}
    for item in result.results:
        by_section.setdefault(item.control.section, []).append(item)
    for section, items in by_section.items():
        table = Table(
            title=f"{section}. {catalog.sections.get(section, '')}",
            box=box.SIMPLE_HEAD,
            title_justify="left",
            expand=True,
        )
        table.add_column("ID", no_wrap=True)
        table.add_column("Control", ratio=3)
        table.add_column("Lvl", justify="center", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Fix", no_wrap=True)
        table.add_column("Summary", ratio=3)
        for item in items:
            c, f = item.control, item.finding
            title = c.title + ("" if c.scored else " (not scored)")
            waiver = (waivers or {}).get(c.id)
            status = status_text(f.status, waiver, audit_day(result))
            # A str cell would be read as markup; an ERROR's summary quotes AWS's error message.
            table.add_row(c.id, title, str(c.level), status, c.fix, inert_text(f.summary))
        parts.append(table)
    parts.append(Text(score_line(result), style="bold"))
    return Group(*parts)


def render_table_text(
    result: AuditResult, width: int = 140, color: bool = False, waivers: Waivers | None = None
) -> str:
    console = Console(
        width=width,
        record=True,
        file=io.StringIO(),
        force_terminal=color,
        color_system="auto" if color else None,
    )
    console.print(render_table(result, waivers))
    return console.export_text(styles=color)


def render(result: AuditResult, fmt: str, waivers: Waivers | None = None) -> str:
    if fmt == "json":
        return render_json(result, waivers)
    if fmt == "csv":
        return render_csv(result)
    if fmt == "asff":
        from wizard.audit.formats.asff import render_asff

        return render_asff(result, waivers)
    if fmt == "sarif":
        from wizard.audit.formats.sarif import render_sarif

        return render_sarif(result, waivers)
    if fmt == "junit":
        from wizard.audit.formats.junit import render_junit

        return render_junit(result, waivers)
    return render_table_text(result, waivers=waivers)
