"""Run one control's check against the moto account, the way the audit runs it."""

from __future__ import annotations

from wizard.audit.findings import Finding, Status
from wizard.audit.run import run_audit
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog


def audit_one(ctx: AwsContext, control_id: str) -> Finding:
    result = run_audit(ctx, [load_catalog().get(control_id)], ctx.resolve_regions())
    return result.results[0].finding


def statuses(finding: Finding) -> dict[str, Status]:
    """Resource id -> status, for asserting which resources a finding names."""
    return {r.id: r.status for r in finding.resources}


def reasons(finding: Finding) -> dict[str, str]:
    """Resource id -> reason, for asserting why a finding names each resource."""
    return {r.id: r.reason for r in finding.resources}
