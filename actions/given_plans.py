"""Plans that come from no builder (a failed plan's undo calls): run by the apply engine as they are.

They are confirmed, journalled and verified like any other plans, but not composed nor built again before
they run: what they put back was decided when the plan they undo was made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from actions.workflow import Accept, Composition, NotPlanned
from wizard.audit.findings import Finding
from wizard.collectors.inventory import Inventory
from wizard.plans.model import Plan


@dataclass(frozen=True)
class _Audited:
    regions: list[str]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class GivenPlans:
    """Stands where a FixSelection stands for the engine."""

    def __init__(self, plans: list[Plan], regions: list[str]) -> None:
        self.given = plans
        self.audit = _Audited(regions)
        self.findings: dict[str, Finding] = {}
        self.chosen = frozenset(c for plan in plans for c in plan.control_ids)

    def compose(self, accept: Accept) -> Composition:
        result = Composition()
        for plan in self.given:
            decision = accept(plan)
            result.decisions[plan.id] = decision
            if decision.accepted:
                result.plans.append(plan)
            else:
                result.left_out.append((plan, decision.how))
        return result

    def rebuild(self, plan: Plan, inventory: Inventory, earlier: Iterable[Plan]) -> Plan:
        return plan

    def not_planned(self, composition: Composition) -> list[NotPlanned]:
        return []
