"""The HTML export: one self-contained page (inline CSS, no scripts, nothing fetched), every value escaped
and inert (control characters shown, `wizard.inert_text`)."""

from __future__ import annotations

from html import escape
from typing import Any

from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit_log import report_wording as wording
from wizard.audit_log.records import Record
from wizard.audit_log.report import AuditReport, CallStep, ControlTrail, Evidence
from wizard.audit_log.summary import Summary
from wizard.audit_log.summary_view import Table, overview, score, tables
from wizard.inert_text import inert

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
       max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .2rem;
margin-top: 2.2rem; } h3 { margin: 1.6rem 0 .4rem; } h4 { margin: 1rem 0 .3rem; font-size: .95rem;
text-transform: uppercase; letter-spacing: .04em; color: #57606a; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; } th, td { border: 1px solid #d0d7de;
padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; } th { background: #f6f8fa; }
table.meta th { width: 11rem; } code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem .7rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; margin: .3rem 0; }
.banner { padding: .7rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0; }
.ok { background: #dafbe1; border: 1px solid #4ac26b; } .bad { background: #ffebe9; border: 1px solid #ff8182; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; }
.status-ok, .status-PASS { color: #1a7f37; font-weight: 600; }
.status-error, .status-FAIL, .status-ERROR, .status-none { color: #cf222e; font-weight: 600; }
.muted { color: #57606a; font-size: .9rem; } section.control { border-left: 4px solid #d0d7de; padding-left: 1rem; }
details summary { cursor: pointer; color: #0969da; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .8rem 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .9rem; flex: 1 1 0; min-width: 7rem; }
.card b { display: block; font-size: 1.5rem; } .card span { color: #57606a; font-size: .85rem; }
.bar { background: #eaeef2; height: .55rem; border-radius: 3px; min-width: 6rem; }
.bar span { display: block; height: 100%; background: #2da44e; border-radius: 3px; }
.bar.before span { background: #afb8c1; }
td.num { text-align: right; white-space: nowrap; }
td.code { font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; min-width: 14rem; }
.note { color: #57606a; font-size: .85rem; }
@media print {
  @page { margin: 1.4cm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  details { display: block; } details > summary { display: none; }
  h2, h3, h4 { break-after: avoid; } tr, .card, .banner { break-inside: avoid; }
  section.summary { break-after: page; }
  pre { white-space: pre-wrap; font-size: 8.5pt; } a { color: inherit; text-decoration: none; }
  .banner, .bar, .bar span, .ok, .bad, .warn, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(value: Any) -> str:
    return escape(inert(value), quote=True)


def _pre(value: Any) -> str:
    return f"<pre>{_e(wording.pretty_json(value))}</pre>"


def _stamp(record: Record) -> str:
    return f'<span class="muted">#{record.seq} · {_e(wording.when(record))} · {_e(record.who)}</span>'


def _status_class(text: str) -> str:
    word = text.split(" ", 1)[0].split(":", 1)[0]
    return "status-" + ("".join(ch for ch in word if ch.isalnum()) or "none")


def _evidence(item: Evidence) -> str:
    text = wording.verdict(item.data)
    parts = [f'<p>{_stamp(item.record)}<br><strong class="{_status_class(text)}">{_e(text)}</strong></p>']
    resources = wording.resource_items(item.data)
    if resources:
        rows = "".join(
            f"<tr><td>{_e(r.get('id', '?'))}</td><td>{_e(r.get('region', ''))}</td>"
            f'<td class="{_status_class(str(r.get("status", "")))}">{_e(r.get("status", ""))}</td>'
            f"<td>{_e(r.get('reason', ''))}</td></tr>"
            for r in resources
        )
        parts.append(f"<table><tr><th>Resource</th><th>Region</th><th>Status</th><th>Reason</th></tr>{rows}</table>")
    for evidence in wording.evidence_items(item.data):
        parts.append(
            f"<p>Evidence: <code>{_e(evidence.get('operation', '?'))}</code> in {_e(evidence.get('region', '?'))}</p>"
            + (f"<pre>{_e(evidence['cli'])}</pre>" if evidence.get("cli") else "")
            + f"<details open><summary>response</summary>{_pre(evidence.get('response'))}</details>"
        )
    return "".join(parts)


def _record(record: Record, *, commands: bool = False) -> str:
    listed = wording.plan_commands(record) if commands else []
    steps = "<ol>" + "".join(f"<li><pre>{_e(cli)}</pre></li>" for cli in listed) + "</ol>" if listed else ""
    details = wording.record_details(record)
    return f"<p>{_stamp(record)}<br>{_e(wording.describe(record))}</p>{steps}" + (
        f"<details open><summary>details</summary>{_pre(details)}</details>" if details else ""
    )


def _call_row(number: int, step: CallStep) -> str:
    first = step.first
    region = step.intent.payload.get("region") if step.intent else None
    params = wording.call_params(step)
    response = step.result.payload.get("response") if step.result else None
    status = wording.call_status(step)
    result_stamp = _stamp(step.result) if step.result else ""
    return (
        f"<tr><td>{number}</td><td>{_stamp(first)}"
        + (f"<br>region {_e(region)}" if region else "")
        + f"</td><td><pre>{_e(wording.call_cli(step))}</pre>"
        + (f"<details open><summary>parameters</summary>{_pre(params)}</details>" if params else "")
        + f'</td><td><span class="{_status_class(status)}">{_e(status)}</span><br>{result_stamp}'
        + (f"<details open><summary>response</summary>{_pre(response)}</details>" if response else "")
        + "</td></tr>"
    )


def _trail(trail: ControlTrail) -> str:
    parts = [
        f'<p class="muted">Fixed together with control {_e(control_id)} by the plan in record #{plan.seq}.</p>'
        for control_id, plan in trail.fixed_by
    ]
    if trail.before:
        parts.append("<h4>Evidence before</h4>" + "".join(_evidence(item) for item in trail.before))
    if trail.plans:
        parts.append("<h4>Plan</h4>" + "".join(_record(record, commands=True) for record in trail.plans))
    if trail.confirms:
        parts.append("<h4>Confirmation</h4>" + "".join(_record(record) for record in trail.confirms))
    if trail.calls:
        rows = "".join(_call_row(n, step) for n, step in enumerate(trail.calls, start=1))
        parts.append(
            "<h4>Calls made</h4><table><tr><th>#</th><th>Intent</th><th>Exact call</th><th>Result</th></tr>"
            f"{rows}</table>"
        )
    if trail.verifies:
        parts.append("<h4>Verification after</h4>" + "".join(_evidence(item) for item in trail.verifies))
    for title, records in wording.other_sections(trail):
        if records:
            parts.append(f"<h4>{_e(title)}</h4>" + "".join(_record(record) for record in records))
    return "".join(parts)


def _table(table: Table) -> str:
    if not table.rows:
        return f"<h3>{_e(table.title)}</h3><p>{_e(table.empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in table.headers)

    def cell(index: int, value: str) -> str:
        return f'<td class="code">{_e(value)}</td>' if index in table.code_columns else f"<td>{_e(value)}</td>"

    body = "".join("<tr>" + "".join(cell(n, value) for n, value in enumerate(row)) + "</tr>" for row in table.rows)
    note = f'<p class="note">{_e(table.note)}</p>' if table.note else ""
    return f"<h3>{_e(table.title)}</h3><table><tr>{head}</tr>{body}</table>{note}"


def _bar(part: int, whole: int, kind: str = "") -> str:
    width = round(100 * part / whole) if whole else 0
    return f'<div class="bar {kind}"><span style="width:{width}%"></span></div>'


def _score(summary: Summary) -> str:
    rows = "".join(
        f"<tr><td>{_e(s.section)}. {_e(s.name)}</td><td class=num>{s.checked} of {s.controls}</td>"
        f"<td class=num>{s.passing_before}</td><td>{_bar(s.passing_before, s.checked, 'before')}</td>"
        f"<td class=num>{s.passing_after}</td><td>{_bar(s.passing_after, s.checked)}</td>"
        f"<td class=num>{s.failing_after}</td></tr>"
        for s in summary.sections
    )
    checked, before, after = summary.totals()
    total = sum(s.controls for s in summary.sections)
    rows += (
        f"<tr><th>All sections</th><th class=num>{checked} of {total}</th><th class=num>{before}</th>"
        f"<th>{_bar(before, checked, 'before')}</th><th class=num>{after}</th><th>{_bar(after, checked)}</th>"
        f"<th class=num>{sum(s.failing_after for s in summary.sections)}</th></tr>"
    )
    return (
        "<h3>Score before and after</h3><table><tr><th>Section</th><th>With a verdict</th>"
        '<th colspan="2">Passing before</th><th colspan="2">Passing after</th><th>Failing after</th></tr>'
        f'{rows}</table><p class="note">{_e(score(summary).note)}</p>'
    )


def _cards(summary: Summary) -> str:
    checked, before, after = summary.totals()
    cards = [
        (f"{before} → {after}", f"controls passing (of {checked} checked)"),
        (str(len(summary.changes)), "controls changed"),
        (str(len(summary.failed)), "failed steps"),
        (str(len(summary.waivers)), "waivers"),
        (str(len(summary.attestations)), "attestations"),
        (str(len(summary.open_items)), "open items"),
    ]
    return (
        '<div class="cards">'
        + "".join(f"<div class=card><b>{_e(v)}</b><span>{_e(k)}</span></div>" for v, k in cards)
        + "</div>"
    )


def _summary(report: AuditReport) -> str:
    meta = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in overview(report))
    parts = [f'<section class="summary"><h2>Summary</h2><table class="meta">{meta}</table>', _cards(report.summary)]
    parts.append(_score(report.summary))
    parts += [_table(table) for table in tables(report.summary)[1:]]
    return "".join(parts) + "</section>"


def render_html(report: AuditReport) -> str:
    banner_class = {"INTACT": "ok", "TAMPERED": "bad"}.get(report.verification_word, "warn")
    banner_word = f"Log {report.verification_word}"
    account = report.account_id or "?"
    alias = f" ({_e(report.summary.alias)})" if report.summary.alias else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>cis-wizard audit log report: account {_e(account)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Audit log report: AWS account {_e(account)}{alias}</h1>",
        f'<div class="banner {banner_class}">{_e(banner_word)}: {_e(report.verification_line)}</div>',
        _summary(report),
        "<h2>Sessions</h2>",
    ]
    if report.sessions:
        rows = "".join(
            f"<tr><td><code>{_e(s.id)}</code></td><td>{_e(wording.when(s.first))}</td>"
            f"<td>{_e(wording.when(s.last))}</td><td>{_e(s.driver)}</td>"
            f"<td><code>{_e(s.first.caller)}</code></td><td>{_e(s.what)}</td><td>{_e(s.status)}</td>"
            f"<td>{s.records}</td></tr>"
            for s in report.sessions
        )
        parts.append(
            "<table><tr><th>Session</th><th>Started (UTC)</th><th>Ended (UTC)</th><th>Driven by</th>"
            f"<th>AWS identity</th><th>Command</th><th>Outcome</th><th>Records</th></tr>{rows}</table>"
        )
    else:
        parts.append("<p>No session in scope.</p>")
    parts.append("<h2>Controls touched</h2>")
    if not report.controls:
        parts.append("<p>None.</p>")
    for trail in report.controls:
        title = f" {_e(trail.title)}" if trail.title else ""
        parts.append(
            f'<section class="control" id="control-{_e(trail.control_id)}">'
            f"<h3>{_e(trail.control_id)}{title}</h3>"
            f'<p class="muted">CIS ids: {_e(later_ids(str(trail.control_id)).in_words())}</p>'
            f"{_trail(trail)}</section>"
        )
    parts.append("<h2>Calls with no result</h2>")
    if report.unfinished:
        items = "".join(
            f"<li><code>{_e(wording.call_cli(step))}</code> {_stamp(step.first)}</li>" for step in report.unfinished
        )
        parts.append(f"<p>The wizard recorded the intent but no result (a crash or an interrupt):</p><ul>{items}</ul>")
    else:
        parts.append("<p>None: every call made has its result recorded.</p>")
    if not report.general.is_empty():
        parts.append("<h2>Records about no single control</h2>")
        parts.append(f'<section class="control">{_trail(report.general)}</section>')
    parts.append("</body></html>\n")
    return "\n".join(parts)
