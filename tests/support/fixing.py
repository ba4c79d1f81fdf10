"""Apply fixes against moto through the one apply engine, keeping what it records in memory."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from actions.apply_engine import ApplyReport, ApplyRun
from actions.options import FixOptions
from actions.registry import FixContext
from actions.workflow import Decision, FixSelection, prepare_fixes
from tests.support.contacts import SECURITY_CONTACT_OPTIONS
from wizard.audit.findings import Finding
from wizard.audit.run import AuditResult
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog
from wizard.collectors.inventory import Inventory
from wizard.plans.executor import PlanOutcome, StepOutcome, run_plans
from wizard.plans.model import ApiCall, Plan

# Every question a fix asks, answered (alarms, the security contact), as a user of `apply --all-failing` would.
ANSWERED = FixOptions(alarm_endpoint="sec@example.com", **SECURITY_CONTACT_OPTIONS)


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
class MemoryRecorder:
    """An apply run's records in memory: plans, confirms and verdicts beside the journal's calls."""

    journal: RecordingJournal = field(default_factory=RecordingJournal)
    records: list[tuple[str, Any]] = field(default_factory=list)

    @contextlib.contextmanager
    def session(self, payload: dict[str, Any]) -> Iterator[str]:
        self.records.append(("session", payload))
        yield "memory"

    def plan(self, plan: Plan, findings: dict[str, Finding]) -> None:
        self.records.append(("plan", plan))

    def confirm(self, plan: Plan, answer: str, how: str) -> None:
        self.records.append(("confirm", (plan.id, answer, how)))

    def verify(self, control_id: str, finding: Finding, plans: list[str] | None = None) -> None:
        self.records.append(("verify", (control_id, finding.status.value)))


@dataclass
class FixRun:
    selection: FixSelection
    report: ApplyReport
    recorder: MemoryRecorder

    @property
    def outcomes(self) -> list[PlanOutcome]:
        return self.report.outcomes

    @property
    def after(self) -> AuditResult:
        assert self.report.verify is not None, "nothing was applied, so nothing was verified"
        return self.report.verify

    @property
    def journal(self) -> RecordingJournal:
        return self.recorder.journal


def yes(plan: Plan) -> Decision:
    return Decision(True, "yes (test)")


def fix(
    ctx: AwsContext,
    *control_ids: str,
    options: FixOptions | None = None,
    parallel: bool = False,
) -> FixRun:
    """Plan the controls (every failing one when none is named) and apply every plan, as `apply --yes` does."""
    controls = [load_catalog().get(c) for c in control_ids] if control_ids else None
    regions = ctx.resolve_regions()
    selection = prepare_fixes(ctx, controls, options or FixOptions(alarm_endpoint="sec@example.com"), regions)
    recorder = MemoryRecorder()
    report = ApplyRun(ctx, selection, recorder, confirm=yes, parallel=parallel).run({"command": "test"})
    return FixRun(selection, report, recorder)


def fresh_context(ctx: AwsContext, *findings: Finding, options: FixOptions | None = None) -> FixContext:
    """A fix context on a new inventory (what a later run would see), with these audit findings if given."""
    return FixContext(
        Inventory(ctx, ctx.resolve_regions()),
        options or FixOptions(),
        ctx.identity(),
        {f.control_id: f for f in findings},
    )


def assert_nothing_left(ctx: AwsContext, *control_ids: str) -> None:
    """A second run plans nothing, refuses nothing and calls nothing: the fix is idempotent."""
    again = fix(ctx, *control_ids)
    assert again.selection.plans == []
    assert again.selection.refused == []
    assert again.journal.entries == []


def run_undo(ctx: AwsContext, *plans: Plan) -> None:
    """Run the undo steps of `plans`, the last plan's first, and expect every one to succeed."""
    undo = [Plan(f"undo-{p.id}", p.control_ids, "undo", p.undo) for p in reversed(plans) if p.undo]
    outcomes = run_plans(ctx, undo, RecordingJournal())
    assert all(o.ok for o in outcomes), [o.failure for o in outcomes]
