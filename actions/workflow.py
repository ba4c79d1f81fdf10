"""From an audit to fix plans and back: audit the chosen controls, build their plans, verify after applying.

Shared by the command line (`plan`, `apply`), the TUI and the tests, so all offer exactly the same plans.

Plans are composed: they are built one after the other, in run order, each seeing what the plans accepted
before it will change (`PlannedChanges`). Which plans are accepted is decided as they are built (a prompt,
a risk filter, or everything), so a plan built after a declined one never counts on the declined one.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import actions.fixes  # noqa: F401  (registers the builders)
from actions.options import FixOptions
from actions.planned_changes import PlannedChanges
from actions.registry import FIX_FOR_CONTROL, FIXES, FixContext, build_order, build_plan, with_requirements
from wizard.audit.findings import Finding, Status
from wizard.audit.run import AuditResult, run_audit
from wizard.aws.context import AwsContext
from wizard.catalog import Control, load_catalog
from wizard.checks import CHECKS, run_check
from wizard.collectors.cache import ReadLog, recording_reads
from wizard.collectors.inventory import Inventory
from wizard.plans.model import Plan


@dataclass(frozen=True)
class Decision:
    """Whether a plan runs, and how that was decided (what the log records as the confirm)."""

    accepted: bool
    how: str


Accept = Callable[[Plan], Decision]


def accept_all(plan: Plan) -> Decision:
    return Decision(True, "composed for preview")


@dataclass(frozen=True)
class NotPlanned:
    """A chosen, failing control that nothing in this run fixes, and why (said loudly by plan and apply)."""

    control_id: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"control": self.control_id, "reason": self.reason}


@dataclass
class Composition:
    """The plans of one run, built in order against each other."""

    plans: list[Plan] = field(default_factory=list)  # accepted, with calls to make, in run order
    decisions: dict[str, Decision] = field(default_factory=dict)  # plan id -> how it was accepted or not
    refused: list[Plan] = field(default_factory=list)  # plans the wizard will not run (or not all of)
    left_out: list[tuple[Plan, str]] = field(default_factory=list)  # built but not run, and why
    empty: list[Plan] = field(default_factory=list)  # nothing to do
    reads: dict[str, ReadLog] = field(default_factory=dict)  # plan id -> what its builder read


@dataclass
class FixSelection:
    audit: AuditResult
    options: FixOptions
    chosen: frozenset[str]  # the failing controls to fix
    plan_ids: list[str]  # the fixes to build, in run order (prerequisites included when needed)
    not_automated: list[tuple[str, str]]  # (control id, why no plan) for failing controls with no API fix
    draft: Composition = field(default_factory=Composition)  # every plan accepted: the preview

    @property
    def plans(self) -> list[Plan]:
        return self.draft.plans

    @property
    def refused(self) -> list[Plan]:
        return self.draft.refused

    @property
    def inventory(self) -> Inventory:
        assert self.audit.inventory is not None, "plans are built from an audit that kept its reads"
        return self.audit.inventory

    @property
    def findings(self) -> dict[str, Finding]:
        return {r.control.id: r.finding for r in self.audit.results}

    def _context(self, inventory: Inventory, findings: Mapping[str, Finding], earlier: Iterable[Plan]) -> FixContext:
        return FixContext(inventory, self.options, self.audit.identity, findings, self.chosen, PlannedChanges(earlier))

    def compose(self, accept: Accept = accept_all) -> Composition:
        """Build every plan in order; each is offered to `accept` as it is built, and only accepted plans
        count for those built after it."""
        result = Composition()
        not_run: set[str] = set()  # plans with calls that will not run: what needs them cannot run either
        for plan_id in self.plan_ids:
            definition = FIXES[plan_id]
            blocked = [needed for needed in definition.requires if needed in not_run]
            fix = self._context(self.inventory, self.findings, result.plans)
            with recording_reads() as reads:
                plan = build_plan(definition, fix)
            result.reads[plan_id] = {**self._check_reads(plan), **reads}
            if plan.refused:
                result.refused.append(plan)
            if not plan.steps:
                result.empty.append(plan)
                self._credit_covering_plans(result, plan, fix.earlier.used)
                continue
            if blocked:
                not_run.add(plan_id)
                result.left_out.append((plan, f"it needs the plan {', '.join(blocked)}, which does not run"))
                continue
            decision = accept(plan)
            result.decisions[plan_id] = decision
            if decision.accepted:
                result.plans.append(plan)
            else:
                not_run.add(plan_id)
                result.left_out.append((plan, decision.how))
        return result

    def warm_up(self) -> None:
        """Build every plan once, all at the same time and each on its own, only to make the reads the builders
        need (they read one after the other): the composition that follows finds them in the cache."""

        def build(plan_id: str) -> None:
            with contextlib.suppress(Exception):  # a builder's own errors come back in the real build
                build_plan(FIXES[plan_id], self._context(self.inventory, self.findings, ()))

        if self.plan_ids:
            with ThreadPoolExecutor(max_workers=len(self.plan_ids), thread_name_prefix="warm-up") as pool:
                list(pool.map(build, self.plan_ids))

    def _check_reads(self, plan: Plan) -> ReadLog:
        reads: ReadLog = {}
        for control_id in FIXES[plan.id].control_ids:
            reads.update(self.audit.reads.get(control_id, {}))
        return reads

    def _credit_covering_plans(self, result: Composition, plan: Plan, used: set[str]) -> None:
        """A plan left with nothing to do because earlier plans do it (1.4's old key, deactivated by the 1.3
        plan): those plans now fix its controls too, so they are logged and verified for them."""
        failing = [c for c in plan.control_ids if c in self.chosen]
        if not (used and failing):
            return
        for index, earlier in enumerate(result.plans):
            if earlier.id in used:
                controls = tuple(dict.fromkeys((*earlier.control_ids, *failing)))
                result.plans[index] = dataclasses.replace(earlier, control_ids=controls)

    def rebuild(self, plan: Plan, inventory: Inventory, earlier: Iterable[Plan]) -> Plan:
        """The plan built again on `inventory` (fresh reads), after `earlier` plans that have not run yet;
        its controls are checked again on the same reads."""
        definition = FIXES[plan.id]
        findings = dict(self.findings)
        for control_id in definition.control_ids:
            findings[control_id] = run_check(CHECKS[control_id], inventory)
        rebuilt = build_plan(definition, self._context(inventory, findings, earlier))
        return dataclasses.replace(rebuilt, control_ids=plan.control_ids)

    def not_planned(self, composition: Composition) -> list[NotPlanned]:
        """Every chosen failing control that no accepted plan fixes, with the reason."""
        planned = {c for plan in composition.plans for c in plan.control_ids}
        reasons: dict[str, str] = dict(self.not_automated)
        for plan, why in composition.left_out:
            for control_id in plan.control_ids:
                reasons.setdefault(control_id, f"not applied: {why}")
        for plan in composition.refused:
            for control_id in plan.control_ids:
                reasons.setdefault(control_id, f"not planned: {plan.refused}")
        for plan in composition.empty:
            detail = " ".join(plan.notes) or "the fix found nothing it could change"
            for control_id in plan.control_ids:
                reasons.setdefault(control_id, f"nothing planned: {detail}")
        return [
            NotPlanned(c, reasons.get(c, "no plan could be built for it"))
            for c in sorted(self.chosen, key=_benchmark_order)
            if c not in planned
        ]


def _benchmark_order(control_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control_id.split("."))


def fixable(control: Control) -> bool:
    return control.id in FIX_FOR_CONTROL


def _needed_plans(own: list[str], draft: Composition, plan_ids: list[str]) -> list[str]:
    """The own plans, and the plans they need (as built: what they require or rely on). A prerequisite
    pulled in only for a plan that is refused (3.x without an alarm address) is left out."""
    built = {p.id: p for p in (*draft.plans, *draft.empty)}
    needed: set[str] = set()

    def need(plan_id: str) -> None:
        if plan_id in needed:
            return
        needed.add(plan_id)
        plan = built.get(plan_id)
        for required in plan.requires if plan is not None else FIXES[plan_id].requires:
            need(required)

    for plan_id in own:
        plan = built.get(plan_id)
        if plan is not None and plan.refused and not plan.steps:
            needed.add(plan_id)  # built again so that its refusal is reported; what it needs is not planned
        else:
            need(plan_id)
    return [plan_id for plan_id in plan_ids if plan_id in needed]


def prepare_fixes(
    ctx: AwsContext,
    controls: list[Control] | None,
    options: FixOptions,
    regions: list[str],
    changed_since: datetime | None = None,
) -> FixSelection:
    """Audit (all controls when `controls` is None), then plan every failing automatable one.

    A plan's prerequisites (2.1 before 2.4, 2.4 before 3.x) are included; they come out empty when the
    account already has what they would create.
    """
    catalog = load_catalog()
    chosen_controls = controls if controls is not None else list(catalog)
    chosen_ids = {c.id for c in chosen_controls}
    own_all = list(dict.fromkeys(FIX_FOR_CONTROL[c.id] for c in chosen_controls if fixable(c)))
    prerequisite_controls = {c for plan_id in with_requirements(own_all) for c in FIXES[plan_id].control_ids}
    to_audit = [c for c in catalog if c.id in chosen_ids | prerequisite_controls]
    audit = run_audit(ctx, to_audit, regions, changed_since=changed_since)
    failing = [r.control for r in audit.results if r.finding.status is Status.FAIL and r.control.id in chosen_ids]
    not_automated = [(c.id, f"no automatic fix ({c.fix}): see its checklist") for c in failing if not fixable(c)]
    own = list(dict.fromkeys(FIX_FOR_CONTROL[c.id] for c in failing if fixable(c)))
    plan_ids = build_order(with_requirements(own))
    selection = FixSelection(audit, options, frozenset(c.id for c in failing), plan_ids, not_automated)
    selection.warm_up()
    first_draft = selection.compose()
    selection.plan_ids = _needed_plans(own, first_draft, plan_ids)
    selection.draft = selection.compose() if selection.plan_ids != plan_ids else first_draft
    return selection


def verify_controls(
    ctx: AwsContext, control_ids: Iterable[str], regions: list[str], changed_since: datetime | None = None
) -> AuditResult:
    """Audit again, with fresh reads, exactly these controls (`changed_since`: when this run changed them)."""
    ids = set(control_ids)
    return run_audit(ctx, [c for c in load_catalog() if c.id in ids], regions, changed_since=changed_since)


def controls_of(plans: Iterable[Plan]) -> list[str]:
    return list(dict.fromkeys(c for plan in plans for c in plan.control_ids))
