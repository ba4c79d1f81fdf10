"""From an audit to fix plans and back: audit the chosen controls, build their plans, verify after applying.

Shared by the command line (`plan`, `apply`) and the TUI, so both offer exactly the same plans.
"""

from __future__ import annotations

from dataclasses import dataclass

import actions.fixes  # noqa: F401  (registers the builders)
from actions.options import FixOptions
from actions.registry import FIX_FOR_CONTROL, FIXES, FixContext
from wizard.audit import AuditResult, run_audit
from wizard.aws_context import AwsContext
from wizard.catalog import Control, load_catalog
from wizard.findings import Status
from wizard.plans import Plan, order_plans


@dataclass(frozen=True)
class FixSelection:
    audit: AuditResult
    plans: list[Plan]  # non-empty plans, in the order they must run
    not_automated: list[tuple[str, str]]  # (control id, why no plan) for failing controls left out
    refused: list[Plan]  # plans the wizard will not run, each with its reason in `refused`


def fixable(control: Control) -> bool:
    return control.id in FIX_FOR_CONTROL


def _with_requirements(plan_ids: list[str]) -> list[str]:
    wanted: list[str] = []

    def add(plan_id: str) -> None:
        for needed in FIXES[plan_id].requires:
            add(needed)
        if plan_id not in wanted:
            wanted.append(plan_id)

    for plan_id in plan_ids:
        add(plan_id)
    return wanted


def prepare_fixes(
    ctx: AwsContext, controls: list[Control] | None, options: FixOptions, regions: list[str]
) -> FixSelection:
    """Audit (all controls when `controls` is None), then build a plan for every failing automatable one.

    A plan's prerequisites (2.1 before 2.4, 2.4 before 3.x) are included; they come out empty when the
    account already has what they would create.
    """
    catalog = load_catalog()
    chosen = controls if controls is not None else list(catalog)
    chosen_ids = {c.id for c in chosen}
    own_plans = list(dict.fromkeys(FIX_FOR_CONTROL[c.id] for c in chosen if fixable(c)))
    prerequisite_controls = {
        c for plan_id in _with_requirements(own_plans) if plan_id not in own_plans for c in FIXES[plan_id].control_ids
    }
    to_audit = [c for c in catalog if c.id in chosen_ids | prerequisite_controls]
    audit = run_audit(ctx, to_audit, regions)
    failing = [r.control for r in audit.results if r.finding.status is Status.FAIL and r.control.id in chosen_ids]
    not_automated = [(c.id, f"fix is {c.fix}: see its checklist") for c in failing if not fixable(c)]
    plan_ids = _with_requirements(list(dict.fromkeys(FIX_FOR_CONTROL[c.id] for c in failing if fixable(c))))
    # A group plan (3.x) fixes only the chosen controls of its group; prerequisites only what they must.
    findings = {r.control.id: r.finding for r in audit.results}
    fix = FixContext(audit.inventory, options, audit.identity, findings)
    plans = [FIXES[plan_id].build(fix) for plan_id in plan_ids]
    ordered = order_plans(plans)
    return FixSelection(audit, [p for p in ordered if not p.is_empty], not_automated, [p for p in ordered if p.refused])


def verify_controls(ctx: AwsContext, plans: list[Plan], regions: list[str]) -> AuditResult:
    """Audit again, with fresh reads, the controls the plans were for."""
    ids = {c for plan in plans for c in plan.control_ids}
    return run_audit(ctx, [c for c in load_catalog() if c.id in ids], regions)
