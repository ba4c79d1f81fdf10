"""The audit as SARIF 2.1.0, for CI: one rule per control, one result per control.

A result's `kind` says what the status means: PASS `pass`, FAIL `fail` (level `error` for a level-1 control,
`warning` for level 2), MANUAL `review`, ERROR `open` (not determined), NOT_APPLICABLE `notApplicable`. A
waiver in force is an accepted external suppression with its reason, owner and expiry. The resources a check
looked at are logical locations (their ARNs); each rule's properties carry the control's ids in the later
benchmark versions and its Security Hub controls. Texts from AWS or a person are made inert (no control
character reaches a viewer).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from wizard import __version__
from wizard.audit.findings import Status
from wizard.audit.formats.benchmark_ids import LATER_VERSIONS, later_ids
from wizard.audit.formats.resources import aws_resource, partition_of
from wizard.audit.run import AuditResult, ControlResult
from wizard.catalog import Control, load_catalog
from wizard.inert_text import inert

if TYPE_CHECKING:
    from wizard.state.waivers import Waiver

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_KIND: Final = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.MANUAL: "review",
    Status.ERROR: "open",
    Status.NOT_APPLICABLE: "notApplicable",
}
_MAX_LOCATIONS: Final = 100


def rule_id(control_id: str) -> str:
    return f"CIS-AWS-1.2.0-{control_id}"


def _rule(control: Control) -> dict[str, Any]:
    ids = later_ids(control.id)
    return {
        "id": rule_id(control.id),
        "name": f"CIS {control.id}",
        "shortDescription": {"text": inert(f"{control.id} {control.title}")},
        "fullDescription": {"text": inert(control.description or control.title)},
        "help": {"text": inert(control.remediation or control.title)},
        "defaultConfiguration": {"level": "error" if control.level == 1 else "warning"},
        "properties": {
            "tags": ["security", "CIS AWS Foundations Benchmark", f"section-{control.section}"],
            "cis": {"1.2.0": [control.id], **{v: list(ids.ids[v]) for v in LATER_VERSIONS}},
            "securityHub": list(control.security_hub),
            "level": control.level,
            "scored": control.scored,
            "fix": control.fix,
            "precision": "high",
            "security-severity": "7.5" if control.level == 1 else "5.0",
        },
    }


def _locations(item: ControlResult, result: AuditResult) -> list[dict[str, Any]]:
    account, home = result.identity.account_id, result.regions[0] if result.regions else "us-east-1"
    partition = partition_of(result.identity.arn)
    found = []
    for resource in item.finding.resources[:_MAX_LOCATIONS]:
        region = resource.region if resource.region not in ("", "global") else home
        named = aws_resource(resource.id, region, account=account, partition=partition, control_id=item.control.id)
        found.append(
            {
                "logicalLocations": [
                    {"name": inert(resource.id, one_line=True), "fullyQualifiedName": named.id, "kind": named.type}
                ],
                "message": {"text": inert(f"{resource.status.value}: {resource.reason}")},
            }
        )
    return found


def _result(
    index: int, item: ControlResult, result: AuditResult, waiver: Waiver | None, today: dt.date
) -> dict[str, Any]:
    control, found = item.control, item.finding
    entry: dict[str, Any] = {
        "ruleId": rule_id(control.id),
        "ruleIndex": index,
        "kind": _KIND[found.status],
        "level": ("error" if control.level == 1 else "warning") if found.status is Status.FAIL else "none",
        "message": {"text": inert(f"{found.status.value}: {found.summary}")},
        "properties": {"status": found.status.value, **({"errorCode": found.error_code} if found.error_code else {})},
    }
    locations = _locations(item, result)
    if locations:
        entry["locations"] = locations
    if waiver is not None and not waiver.is_expired(today) and found.status in (Status.FAIL, Status.MANUAL):
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": inert(
                    f"Waived until {waiver.expires.isoformat()} (owner {waiver.owner}): {waiver.reason}; granted by "
                    f"{waiver.granted_by_user} as {waiver.granted_by} at {waiver.granted_at}"
                ),
            }
        ]
    return entry


def sarif_log(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> dict[str, Any]:
    catalog = load_catalog()
    today = result.finished_at.astimezone(dt.UTC).date()
    controls = [item.control for item in result.results]
    results = [
        _result(index, item, result, (waivers or {}).get(item.control.id), today)
        for index, item in enumerate(result.results)
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cis-wizard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://www.cisecurity.org/benchmark/amazon_web_services",
                        "rules": [_rule(control) for control in controls],
                        "properties": {"benchmark": f"{catalog.name} v{catalog.version}"},
                    }
                },
                "automationDetails": {"id": f"cis-wizard/{result.identity.account_id}/"},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "startTimeUtc": result.started_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                        "endTimeUtc": result.finished_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                    }
                ],
                "results": results,
                "properties": {
                    "account": result.identity.account_id,
                    "caller": result.identity.arn,
                    "regions": list(result.regions),
                },
            }
        ],
    }


def render_sarif(result: AuditResult, waivers: Mapping[str, Waiver] | None = None) -> str:
    return json.dumps(sarif_log(result, waivers), indent=2) + "\n"
