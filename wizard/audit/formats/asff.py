"""The audit in the AWS Security Finding Format, as Security Hub reads it: one finding per control.

Compliance.Status and Workflow.Status say what the status means to Security Hub:

    PASS            PASSED         RESOLVED
    FAIL            FAILED         NEW          (SUPPRESSED, with a note naming the waiver, while one is in force)
    MANUAL          WARNING        NEW          (a person must look: never RESOLVED; a waiver suppresses it)
    ERROR           NOT_AVAILABLE  NEW          (not checked: never RESOLVED, and no waiver covers it)
    NOT_APPLICABLE  NOT_AVAILABLE  RESOLVED     (nothing to check)

Resources carry Security Hub's resource types and ARNs (`resources`); Remediation says how to fix it with the
wizard; RelatedRequirements name the control in CIS v1.2.0 and in the later versions (`benchmark_ids`).
Every finding is checked against botocore's `AwsSecurityFinding` shape by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from wizard.audit.findings import Status
from wizard.audit.formats.benchmark_ids import LATER_VERSIONS, later_ids
from wizard.audit.formats.resources import account_resource, aws_resource, partition_of
from wizard.audit.run import AuditResult, ControlResult
from wizard.inert_text import inert

if TYPE_CHECKING:
    from wizard.state.waivers import Waiver

FINDING_TYPE: Final = (
    "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
)
_COMPLIANCE: Final = {
    Status.PASS: "PASSED",
    Status.FAIL: "FAILED",
    Status.MANUAL: "WARNING",
    Status.ERROR: "NOT_AVAILABLE",
    Status.NOT_APPLICABLE: "NOT_AVAILABLE",
}
_WORKFLOW: Final = {
    Status.PASS: "RESOLVED",
    Status.FAIL: "NEW",
    Status.MANUAL: "NEW",
    Status.ERROR: "NEW",
    Status.NOT_APPLICABLE: "RESOLVED",
}
_MAX_RESOURCES: Final = 32
_SECURITY_HUB_DOCS: Final = "https://docs.aws.amazon.com/securityhub/latest/userguide/{page}-controls.html#{anchor}"


def _cut(text: str, limit: int) -> str:
    text = inert(text, one_line=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def suppressed_by(item: ControlResult, waiver: Waiver | None, today: dt.date) -> bool:
    """A waiver in force over a FAIL or a MANUAL (never over an ERROR: what was not checked is not accepted)."""
    return waiver is not None and not waiver.is_expired(today) and item.finding.status in (Status.FAIL, Status.MANUAL)


def _note(item: ControlResult, waiver: Waiver | None, today: dt.date, when: str) -> dict[str, str] | None:
    if waiver is None:
        return None
    if waiver.is_expired(today):
        text = f"Waiver expired on {waiver.expires.isoformat()} (owner {waiver.owner}): {waiver.reason}"
    elif item.finding.status is Status.ERROR:
        text = f"Not suppressed: the waiver until {waiver.expires.isoformat()} does not cover a control not checked"
    else:
        text = (
            f"Waived until {waiver.expires.isoformat()} (owner {waiver.owner}): {waiver.reason}. Granted by "
            f"{waiver.granted_by_user} as {waiver.granted_by} at {waiver.granted_at}"
            + (f", audit log record {waiver.log_seq}" if waiver.log_seq else "")
        )
    return {"Text": _cut(text, 512), "UpdatedBy": _cut(f"cis-wizard ({waiver.granted_by})", 512), "UpdatedAt": when}


def _severity(item: ControlResult) -> str:
    if item.finding.status in (Status.PASS, Status.NOT_APPLICABLE):
        return "INFORMATIONAL"
    return "HIGH" if item.control.level == 1 else "MEDIUM"


def remediation(item: ControlResult) -> dict[str, Any]:
    control = item.control
    how = {
        "auto": f"Fix it with cis-wizard: `cis-wizard plan --controls {control.id}` previews the exact calls, "
        f"`cis-wizard apply --controls {control.id}` makes them after a confirm.",
        "guided": f"A console step: `cis-wizard checklist {control.id}` walks it and verifies it.",
        "manual": f"A person's review: `cis-wizard checklist {control.id}` shows the evidence to review.",
    }.get(control.fix, "")
    recommendation: dict[str, Any] = {"Text": _cut(f"{how} CIS: {control.remediation}", 512)}
    if control.security_hub:
        service, _, number = control.security_hub[0].partition(".")
        page = service.lower()
        recommendation["Url"] = _SECURITY_HUB_DOCS.format(page=page, anchor=f"{page}-{number}")
    return {"Recommendation": recommendation}


def _resources(item: ControlResult, account: str, partition: str, home: str) -> list[dict[str, Any]]:
    found = []
    for resource in item.finding.resources[:_MAX_RESOURCES]:
        region = resource.region if resource.region not in ("", "global") else home
        named = aws_resource(resource.id, region, account=account, partition=partition, control_id=item.control.id)
        details = {**named.details, "status": resource.status.value, "reason": _cut(resource.reason, 1024)}
        found.append(
            {
                "Type": named.type,
                "Id": named.id,
                "Partition": partition,
                "Region": named.region,
                "Details": {"Other": {k: v for k, v in details.items() if v}},
            }
        )
    if not found:
        whole = account_resource(account, home)
        found.append({"Type": whole.type, "Id": whole.id, "Partition": partition, "Region": home})
    return found


def _product_fields(item: ControlResult) -> dict[str, str]:
    ids = later_ids(item.control.id)
    fields = {
        "cis-wizard/ControlId": item.control.id,
        "cis-wizard/Status": item.finding.status.value,
        "cis-wizard/Fix": item.control.fix,
    }
    for version in LATER_VERSIONS:
        fields[f"cis-wizard/CIS-{version}"] = ", ".join(ids.ids[version]) or "dropped"
    if item.control.security_hub:
        fields["cis-wizard/SecurityHubControls"] = ", ".join(item.control.security_hub)
    return fields


def finding(item: ControlResult, result: AuditResult, waiver: Waiver | None, today: dt.date) -> dict[str, Any]:
    """One control's finding, ready for BatchImportFindings."""
    account, home = result.identity.account_id, result.regions[0] if result.regions else "us-east-1"
    partition = partition_of(result.identity.arn)
    when = _stamp(result.finished_at)
    control, found = item.control, item.finding
    workflow = "SUPPRESSED" if suppressed_by(item, waiver, today) else _WORKFLOW[found.status]
    description = found.summary + (f" (AWS error {found.error_code})" if found.error_code else "")
    entry: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"cis-wizard/{account}/cis-1.2.0/{control.id}",
        "ProductArn": f"arn:{partition}:securityhub:{home}:{account}:product/{account}/default",
        "GeneratorId": f"cis-wizard/cis-aws-foundations-benchmark/v/1.2.0/{control.id}",
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": _severity(item)},
        "Title": _cut(f"{control.id} {control.title}", 256),
        "Description": _cut(description or control.title, 1024),
        "Remediation": remediation(item),
        "ProductFields": _product_fields(item),
        "Compliance": {
            "Status": _COMPLIANCE[found.status],
            "RelatedRequirements": later_ids(control.id).requirements()[:32],
        },
        "Resources": _resources(item, account, partition, home),
        "RecordState": "ACTIVE",
        "Workflow": {"Status": workflow},
    }
    note = _note(item, waiver, today, when)
    if note is not None:
        entry["Note"] = note
    return entry


def asff_findings(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> list[dict[str, Any]]:
    today = result.finished_at.astimezone(dt.UTC).date()
    return [finding(item, result, (waivers or {}).get(item.control.id), today) for item in result.results]


def render_asff(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> str:
    """Findings in the AWS Security Finding Format, ready for securityhub batch-import-findings."""
    return json.dumps(asff_findings(result, waivers), indent=2) + "\n"
