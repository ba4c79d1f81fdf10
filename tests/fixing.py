"""Apply fixes against moto the way the CLI does, counting the calls that change something."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.options import FixOptions
from actions.workflow import FixSelection, prepare_fixes, verify_controls
from wizard.audit import AuditResult
from wizard.aws_context import AwsContext
from wizard.catalog import load_catalog
from wizard.executor import PlanOutcome, StepOutcome, run_plans
from wizard.plans import ApiCall, Plan


@dataclass
class RecordingJournal:
    """Keeps intents and results in memory, in order (the audit log does this on disk)."""

    entries: list[tuple[str, Any]] = field(default_factory=list)

    def intent(self, plan: Plan, step: ApiCall, params: dict[str, Any]) -> str:
        self.entries.append(("intent", (plan.id, step.operation, params)))
        return str(len(self.entries))

    def result(self, token: str, outcome: StepOutcome) -> None:
        self.entries.append(("result", (token, outcome.status.value, outcome.error_code)))


@dataclass
class FixRun:
    selection: FixSelection
    outcomes: list[PlanOutcome]
    after: AuditResult
    journal: RecordingJournal


def fix(ctx: AwsContext, *control_ids: str, options: FixOptions | None = None) -> FixRun:
    controls = [load_catalog().get(c) for c in control_ids] if control_ids else None
    regions = ctx.resolve_regions()
    selection = prepare_fixes(ctx, controls, options or FixOptions(alarm_endpoint="sec@example.com"), regions)
    journal = RecordingJournal()
    outcomes = run_plans(ctx, selection.plans, journal)
    return FixRun(selection, outcomes, verify_controls(ctx, selection.plans, regions), journal)
