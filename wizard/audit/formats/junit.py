"""The audit as JUnit XML, for CI: a test suite per benchmark section, a test case per control.

FAIL is a `failure`, ERROR an `error` (not checked); MANUAL, NOT_APPLICABLE and a FAIL under a waiver in force
are `skipped`, with why (a waived control does not fail the build, as it does not fail `audit`'s exit code;
an expired waiver does). The text of each case says what was found and on which resources; every text from AWS
or a person is made inert and XML-escaped (ElementTree escapes; inert shows the control characters XML 1.0
could not even carry).
"""

from __future__ import annotations

import datetime as dt
import socket
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import TYPE_CHECKING

from wizard.audit.findings import Status
from wizard.audit.formats.benchmark_ids import later_ids
from wizard.audit.run import AuditResult, ControlResult
from wizard.catalog import load_catalog
from wizard.inert_text import inert

if TYPE_CHECKING:
    from wizard.state.waivers import Waiver

_SHOWN = 50


def _text(value: object) -> str:
    return inert(value, one_line=False)


def _details(item: ControlResult) -> str:
    found = item.finding
    lines = [
        f"{found.status.value}: {found.summary}",
        f"CIS ids: v1.2.0 {item.control.id} · {later_ids(item.control.id).in_words()}",
    ]
    for resource in found.resources[:_SHOWN]:
        lines.append(f"- {resource.id} ({resource.region}) {resource.status.value}: {resource.reason}")
    if len(found.resources) > _SHOWN:
        lines.append(f"... and {len(found.resources) - _SHOWN} more resources")
    for evidence in found.evidence[:10]:
        lines.append(f"evidence: {evidence.cli}")
    return _text("\n".join(lines))


def _case(suite: ET.Element, item: ControlResult, waiver: Waiver | None, today: dt.date) -> str:
    """Add the control's test case; returns what it counts as: passed|failure|error|skipped."""
    control, found = item.control, item.finding
    case = ET.SubElement(
        suite,
        "testcase",
        name=_text(f"{control.id} {control.title}"),
        classname=f"cis.aws.v1_2_0.section{control.section}",
        time="0",
    )
    waived = waiver is not None and not waiver.is_expired(today) and found.status in (Status.FAIL, Status.MANUAL)
    summary = _text(f"{found.status.value}: {found.summary}")
    if waived and waiver is not None:
        reason = f"waived until {waiver.expires.isoformat()} (owner {waiver.owner}): {waiver.reason}"
        ET.SubElement(case, "skipped").text = _text(f"{summary} — {reason}")
        outcome = "skipped"
    elif found.status is Status.FAIL:
        ET.SubElement(case, "failure", message=summary, type="FAIL").text = _details(item)
        outcome = "failure"
    elif found.status is Status.ERROR:
        ET.SubElement(case, "error", message=summary, type=found.error_code or "ERROR").text = _details(item)
        outcome = "error"
    elif found.status in (Status.MANUAL, Status.NOT_APPLICABLE):
        ET.SubElement(case, "skipped").text = summary
        outcome = "skipped"
    else:
        outcome = "passed"
    ET.SubElement(case, "system-out").text = _details(item)
    return outcome


def junit_tree(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> ET.Element:
    catalog = load_catalog()
    today = result.finished_at.astimezone(dt.UTC).date()
    seconds = f"{(result.finished_at - result.started_at).total_seconds():.3f}"
    root = ET.Element("testsuites", name="cis-wizard audit", time=seconds)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    by_section: dict[str, list[ControlResult]] = {}
    for item in result.results:
        by_section.setdefault(item.control.section, []).append(item)
    for section, items in by_section.items():
        suite = ET.SubElement(root, "testsuite", name=_text(f"{section}. {catalog.sections.get(section, '')}"))
        properties = ET.SubElement(suite, "properties")
        for name, value in (("account", result.identity.account_id), ("caller", result.identity.arn)):
            ET.SubElement(properties, "property", name=name, value=_text(value))
        ET.SubElement(properties, "property", name="regions", value=",".join(result.regions))
        counted = [_case(suite, item, (waivers or {}).get(item.control.id), today) for item in items]
        suite.set("tests", str(len(counted)))
        suite.set("failures", str(counted.count("failure")))
        suite.set("errors", str(counted.count("error")))
        suite.set("skipped", str(counted.count("skipped")))
        suite.set("time", "0")
        suite.set("timestamp", result.started_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))
        suite.set("hostname", socket.gethostname() or "localhost")
        totals["tests"] += len(counted)
        totals["failures"] += counted.count("failure")
        totals["errors"] += counted.count("error")
    for key, total in totals.items():
        root.set(key, str(total))
    return root


def render_junit(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> str:
    tree = junit_tree(result, waivers)
    ET.indent(tree)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode") + "\n"
