"""`log export --format md|html|json`: a report of a session or a date range that an auditor can file."""

from __future__ import annotations

import json
import re
from typing import Any

from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit_log.records import Record
from wizard.audit_log.report import AuditReport, CallStep, ControlTrail, Evidence, report_to_dict
from wizard.audit_log.report_wording import (
    call_cli,
    call_params,
    call_status,
    describe,
    evidence_items,
    other_sections,
    plan_commands,
    pretty_json,
    record_details,
    resource_items,
    verdict,
    when,
)
from wizard.audit_log.summary_view import Table, overview, tables
from wizard.inert_text import inert


def render_report(report: AuditReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report_to_dict(report), indent=2, sort_keys=False) + "\n"
    if fmt == "html":
        from wizard.audit_log.html import render_html

        return render_html(report)
    if fmt == "md":
        return render_markdown(report)
    raise ValueError(f"unknown export format {fmt!r}")


# -- Markdown ----------------------------------------------------------------------------------------
# Log values are AWS's or a person's words: each is made inert first (control characters shown), then kept
# from being read as Markdown: links, images, emphasis, headings, HTML, and entities (`&#x202e;` would bring
# back the very character `inert` showed), or, in code, from closing its fence. A bare `https://` or `www.`
# would still become a link in GitHub's Markdown (autolinks): escaping its `:` or `.` keeps it text.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|&~])")
_MD_AUTOLINK = re.compile(r"(?<=\w):(?=//)|(?<=\bwww)\.", re.IGNORECASE)


def md(text: Any) -> str:
    """Text safe in Markdown prose and table cells (no markup, no links, no HTML, one line)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(inert(text).split()))
    return _MD_AUTOLINK.sub(r"\\\g<0>", escaped)


def md_code(text: str, language: str = "", indent: str = "") -> list[str]:
    text = inert(text)
    fence = "```"
    while fence in text:
        fence += "`"
    return [indent + line if line else line for line in [f"{fence}{language}", *text.splitlines(), fence]]


def md_inline_code(text: str) -> str:
    text = " ".join(inert(text).split())
    ticks = "`"
    while ticks in text:
        ticks += "`"
    return f"{ticks} {text} {ticks}"


def _md_stamp(record: Record) -> str:
    return f"\\#{record.seq} · {md(when(record))} · {md(record.who)}"


def _md_evidence(item: Evidence) -> list[str]:
    lines = [f"- {_md_stamp(item.record)}: **{md(verdict(item.data))}**"]
    for resource in resource_items(item.data):
        fields = [resource.get(key, "") for key in ("id", "region", "status", "reason")]
        lines.append("  - " + " · ".join(md(value) for value in fields if value != ""))
    for evidence in evidence_items(item.data):
        lines.append(f"  - evidence: {md(evidence.get('operation', '?'))} in {md(evidence.get('region', '?'))}")
        if evidence.get("cli"):
            lines.append("    " + md_inline_code(str(evidence["cli"])))
        lines.append("")
        lines += md_code(pretty_json(evidence.get("response")), "json", "    ")
    return lines


def _md_record(record: Record, *, commands: bool = False) -> list[str]:
    lines = [f"- {_md_stamp(record)}: {md(describe(record))}"]
    if commands:
        lines += [f"  {n}. {md_inline_code(cli)}" for n, cli in enumerate(plan_commands(record), start=1)]
    details = record_details(record)
    if details:
        lines.append("")
        lines += md_code(pretty_json(details), "json", "  ")
    return lines


def _md_call(number: int, step: CallStep) -> list[str]:
    first = step.first
    region = step.intent.payload.get("region") if step.intent else None
    lines = [f"{number}. {_md_stamp(first)}" + (f" · {md(region)}" if region else ""), ""]
    lines += ["   " + md_inline_code(call_cli(step)), ""]
    params = call_params(step)
    if params:
        lines += ["   Parameters:", "", *md_code(pretty_json(params), "json", "   "), ""]
    where = f"\\#{step.result.seq}, {md(when(step.result))}: " if step.result else ""
    lines.append(f"   Result: {where}**{md(call_status(step))}**")
    response = step.result.payload.get("response") if step.result else None
    if response:
        lines += ["", *md_code(pretty_json(response), "json", "   ")]
    return [*lines, ""]


def _md_trail(trail: ControlTrail, heading: str) -> list[str]:
    lines = [heading, ""]
    for control_id, plan in trail.fixed_by:
        lines += [f"Fixed together with control {md(control_id)} by the plan in record \\#{plan.seq}.", ""]
    if trail.before:
        lines += ["**Evidence before**", ""]
        for item in trail.before:
            lines += _md_evidence(item)
        lines.append("")
    for title, records in (("Plan", trail.plans), ("Confirmation", trail.confirms)):
        if records:
            lines += [f"**{title}**", ""]
            for record in records:
                lines += _md_record(record, commands=title == "Plan")
            lines.append("")
    if trail.calls:
        lines += ["**Calls made**", ""]
        for number, step in enumerate(trail.calls, start=1):
            lines += _md_call(number, step)
    if trail.verifies:
        lines += ["**Verification after**", ""]
        for item in trail.verifies:
            lines += _md_evidence(item)
        lines.append("")
    for title, records in other_sections(trail):
        if records:
            lines += [f"**{title}**", ""]
            for record in records:
                lines += _md_record(record)
            lines.append("")
    return lines


def md_table(table: Table) -> list[str]:
    lines = [f"### {md(table.title)}", ""]
    if not table.rows:
        return [*lines, md(table.empty), ""]
    lines += ["| " + " | ".join(md(h) for h in table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in table.rows]
    return [*lines, *(["", md(table.note)] if table.note else []), ""]


def render_markdown(report: AuditReport) -> str:
    alias = f" ({md(report.summary.alias)})" if report.summary.alias else ""
    lines = [
        f"# Audit log report: AWS account {md(report.account_id or '?')}{alias}",
        "",
        "## Summary",
        "",
        "| | |",
        "|---|---|",
    ]
    for name, value in overview(report):
        shown = (
            f"**{report.verification_word}**: {md(report.verification_line)}"
            if name == "Log verification"
            else md(value)
        )
        lines.append(f"| {md(name)} | {shown} |")
    lines.append("")
    for table in tables(report.summary):
        lines += md_table(table)
    lines += ["## Sessions", ""]
    if report.sessions:
        heads = "| Session | Started (UTC) | Ended (UTC) | Driven by | AWS identity | Command | Outcome |"
        lines += [heads, "|" + "---|" * 7]
        for s in report.sessions:
            cells = [s.id, when(s.first), when(s.last), s.driver, s.first.caller, s.what, s.status]
            lines.append("| " + " | ".join(md(cell) for cell in cells) + " |")
    else:
        lines.append("No session in scope.")
    lines += ["", "## Controls touched", ""]
    if not report.controls:
        lines += ["None.", ""]
    for trail in report.controls:
        title = f" {md(trail.title)}" if trail.title else ""
        later = f"CIS ids: {later_ids(str(trail.control_id)).in_words()}"
        lines += _md_trail(trail, f"### {md(trail.control_id)}{title}\n\n{md(later)}")
    lines += ["## Calls with no result", ""]
    if report.unfinished:
        for step in report.unfinished:
            lines.append(f"- {md_inline_code(call_cli(step))} (intent {_md_stamp(step.first)})")
    else:
        lines.append("None: every call made has its result recorded.")
    lines.append("")
    if not report.general.is_empty():
        lines += _md_trail(report.general, "## Records about no single control")
    return "\n".join(lines).rstrip() + "\n"
