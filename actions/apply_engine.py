"""The one apply engine, used by the command line, the wizard and the tests.

    selection = prepare_fixes(ctx, controls, options, regions)        # audit, then plan (composed)
    report = ApplyRun(ctx, selection, log, confirm=ask).run({...})     # confirm, execute, journal, verify

1. Confirm: plans are built in run order and each is offered to `confirm` as it is built (after the risk
   filter), so a plan built after a declined one never counts on what the declined one would have done.
   Every plan and every answer is in the audit log before anything runs.
2. Execute: before a plan runs, what it touches is read again (the reads its controls' checks and its builder
   made, all at once) and the plan is built again on those reads. Unchanged: it runs as confirmed. Nothing
   left to do: it is skipped. Changed (another admin, another run): `reconfirm` decides on the new plan, or
   the plan does not run. Plans that do not depend on each other run at the same time, and so do the
   independent steps of a plan; the first failing step stops the run.
3. Verify: exactly the controls the plans fix are audited again with fresh reads, and each verdict logged.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from actions.early_verify import EarlyVerifier
from actions.workflow import Composition, Decision, FixSelection, NotPlanned, controls_of
from wizard.audit.findings import Finding, Status
from wizard.audit.run import AuditResult
from wizard.aws.context import MAX_CONCURRENCY, AwsContext
from wizard.checks.section_3_monitoring import waits_for_a_person
from wizard.collectors.inventory import Inventory
from wizard.plans.confirm_rule import RISK_ORDER
from wizard.plans.executor import CallJournal, PlanOutcome, RunControl, StepCallback, StepOutcome, run_plan
from wizard.plans.model import ApiCall, Plan, Risk

PLANS_AT_ONCE = 8


class RunRecorder(Protocol):
    """Where a run is recorded (the audit log: wizard.plans.journal.AuditLogRecorder; the tests keep it in memory)."""

    @property
    def journal(self) -> CallJournal: ...  # read-only here, so any journal of the right shape will do

    def session(self, payload: dict[str, Any]) -> contextlib.AbstractContextManager[str]: ...

    def plan(self, plan: Plan, findings: dict[str, Finding]) -> None: ...

    def confirm(self, plan: Plan, answer: str, how: str) -> None: ...

    def verify(self, control_id: str, finding: Finding, plans: list[str] | None = None) -> None: ...


Confirm = Callable[[Plan], Decision]
Reconfirm = Callable[[Plan, Plan], Decision]  # (as confirmed, as it is now) -> run the new one?


class PlanStatus(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"  # a step failed; what ran is in the outcome
    ALREADY_DONE = "already-done"  # read again before running: nothing left to do
    DECLINED = "declined"  # re-planned because the account changed, and not confirmed again
    NOT_RUN = "not-run"  # the run stopped at a failure first, or what it needs did not run


@dataclass(frozen=True)
class PlanResult:
    plan: Plan  # as it ran (re-planned when the account had changed)
    status: PlanStatus
    outcome: PlanOutcome | None = None
    reason: str = ""


@dataclass(frozen=True)
class ApplyEvent:
    """Progress, for a screen or a terminal: `kind` is plan-start, step-start, step-done, waiting (a step
    waits for AWS to propagate a change: `message` says what, `seconds` how long so far), plan-done,
    replanned, verify-start or verify-done."""

    kind: str
    plan: Plan | None = None
    step: ApiCall | None = None
    outcome: StepOutcome | None = None
    result: PlanResult | None = None
    number: int = 0  # the plan's place in the run (1-based)
    total: int = 0  # plans in the run
    message: str = ""
    seconds: float = 0.0


EventCallback = Callable[[ApplyEvent], object]  # what it returns is ignored


@dataclass
class ApplyReport:
    selection: FixSelection
    composition: Composition
    results: list[PlanResult] = field(default_factory=list)
    verify: AuditResult | None = None
    not_planned: list[NotPlanned] = field(default_factory=list)
    started: datetime | None = None  # when the first change was about to be made

    @property
    def failed(self) -> list[PlanResult]:
        return [r for r in self.results if r.status is PlanStatus.FAILED]

    @property
    def outcomes(self) -> list[PlanOutcome]:
        return [r.outcome for r in self.results if r.outcome is not None]

    def changing_calls(self) -> int:
        return sum(len(o.ran) + (1 if o.failure else 0) for o in self.outcomes)

    def findings(self) -> dict[str, Finding]:
        """Each audited control's latest verdict: after the run where it was verified, else from the audit."""
        latest = dict(self.selection.findings)
        if self.verify is not None:
            latest.update({r.control.id: r.finding for r in self.verify.results})
        return latest

    def waiting_for_a_person(self) -> list[str]:
        """The chosen controls whose only missing piece is a person's act (a subscription to confirm)."""
        return [c for c in self.still_failing() if waits_for_a_person(self.findings()[c])]

    def still_failing(self) -> list[str]:
        """The chosen controls that do not pass now (FAIL, or could not be checked)."""
        latest = self.findings()
        return [
            c
            for c in sorted(self.selection.chosen, key=lambda c: tuple(int(p) for p in c.split(".")))
            if c not in latest or latest[c].status in (Status.FAIL, Status.ERROR)
        ]


def allowed_by(risks: frozenset[Risk] | None, confirm: Confirm) -> Confirm:
    """`confirm`, after leaving out plans above the risks the admin allows (`--risk safe`)."""
    if risks is None:
        return confirm

    def decide(plan: Plan) -> Decision:
        if plan.risk not in risks:
            allowed = ", ".join(r.value for r in RISK_ORDER if r in risks)
            return Decision(False, f"its risk is {plan.risk.value}, and only {allowed} was asked for (--risk)")
        return confirm(plan)

    return decide


class ApplyRun:
    def __init__(
        self,
        ctx: AwsContext,
        selection: FixSelection,
        recorder: RunRecorder,
        *,
        confirm: Confirm,
        reconfirm: Reconfirm | None = None,
        on_event: EventCallback | None = None,
        parallel: bool = True,
        recheck: bool = True,
    ) -> None:
        self.ctx = ctx
        self.selection = selection
        self.recorder = recorder
        self.confirm = confirm
        self.reconfirm = reconfirm
        self.on_event = on_event or (lambda event: None)
        self.parallel = parallel
        self.recheck = recheck
        self._results: dict[str, PlanResult] = {}
        self.started: datetime | None = None  # when the first change was about to be made
        self._verifier: EarlyVerifier | None = None
        self._changes = 0  # calls made so far (a fresh inventory is shared only while this stays the same)
        self._shared: tuple[int, Inventory] | None = None
        self._guard = threading.Lock()
        self._asking = threading.Lock()  # one question at a time, whichever plan's thread asks

    # -- 1. confirm ------------------------------------------------------------------------------------
    def _offer(self, plan: Plan) -> Decision:
        self.recorder.plan(plan, self.selection.findings)
        decision = self.confirm(plan)
        self.recorder.confirm(plan, "yes" if decision.accepted else "no", decision.how)
        return decision

    # -- 2. execute ------------------------------------------------------------------------------------
    def _fresh_inventory(self) -> Inventory:
        """An inventory of reads made from now on. Plans that start while no change has been made since it was
        opened share it, so what they both read is read once (the first plans of a run, typically)."""
        with self._guard:
            if self._shared is None or self._shared[0] != self._changes:
                self._shared = (self._changes, Inventory(self.ctx, self.selection.audit.regions))
            return self._shared[1]

    def _counting_changes(self, on_step: StepCallback) -> StepCallback:
        def counted(plan: Plan, step: ApiCall, outcome: StepOutcome | None) -> None:
            if outcome is not None:
                with self._guard:
                    self._changes += 1
            on_step(plan, step, outcome)

        return counted

    def _fresh(self, plan: Plan, composition: Composition, unrun: list[Plan]) -> Plan:
        inventory = self._fresh_inventory()
        inventory.replay(composition.reads.get(plan.id, {}))
        return self.selection.rebuild(plan, inventory, unrun)

    def _recheck(self, plan: Plan, composition: Composition, unrun: list[Plan]) -> PlanResult | Plan:
        """The plan to run now, or why it does not run."""
        fresh = self._fresh(plan, composition, unrun)
        if fresh.signature() == plan.signature():
            return plan
        if not fresh.steps:
            reason = "read again just before running, nothing was left to do" + (
                f" ({' '.join(fresh.notes)})" if fresh.notes else ""
            )
            self.recorder.confirm(plan, "no", reason)
            return PlanResult(plan, PlanStatus.ALREADY_DONE, reason=reason)
        self.on_event(ApplyEvent("replanned", fresh, message="the account changed since the plan was made"))
        self.recorder.plan(fresh, self.selection.findings)
        if self.reconfirm is None:
            decision = Decision(False, "the account changed since the plan was made; plan and confirm again")
        else:
            with self._asking:
                decision = self.reconfirm(plan, fresh)
        self.recorder.confirm(fresh, "yes" if decision.accepted else "no", f"re-planned: {decision.how}")
        return fresh if decision.accepted else PlanResult(fresh, PlanStatus.DECLINED, reason=decision.how)

    def _run_one(
        self, plan: Plan, number: int, plans: list[Plan], composition: Composition, control: RunControl
    ) -> PlanResult:
        total = len(plans)
        if control.stop.is_set():
            return PlanResult(plan, PlanStatus.NOT_RUN, reason="the run stopped at a failed step before this plan")
        with self._guard:
            blocked = [
                r.plan.id
                for needed in plan.requires
                if (r := self._results.get(needed)) is not None
                and r.status is not PlanStatus.APPLIED
                and r.status is not PlanStatus.ALREADY_DONE
            ]
            unrun = [p for p in plans[: number - 1] if p.id not in self._results]
        if blocked:
            return PlanResult(plan, PlanStatus.NOT_RUN, reason=f"it needs {', '.join(blocked)}, which did not run")
        self.on_event(ApplyEvent("plan-start", plan, number=number, total=total))
        chosen = self._recheck(plan, composition, unrun) if self.recheck else plan
        if isinstance(chosen, PlanResult):
            self.on_event(ApplyEvent("plan-done", chosen.plan, result=chosen, number=number, total=total))
            return chosen

        def on_step(run: Plan, step: ApiCall, outcome: StepOutcome | None) -> None:
            kind = "step-start" if outcome is None else "step-done"
            self.on_event(ApplyEvent(kind, run, step, outcome, number=number, total=total))

        outcome = run_plan(self.ctx, chosen, self.recorder.journal, self._counting_changes(on_step), control)
        if outcome.ok:
            result = PlanResult(chosen, PlanStatus.APPLIED, outcome)
        elif outcome.failure is None:
            result = PlanResult(chosen, PlanStatus.NOT_RUN, outcome, "the run stopped at a failed step elsewhere")
        else:
            result = PlanResult(chosen, PlanStatus.FAILED, outcome)
        self.on_event(ApplyEvent("plan-done", chosen, result=result, number=number, total=total))
        return result

    def _finish(self, plan: Plan, result: PlanResult) -> None:
        with self._guard:
            self._results[plan.id] = result
        if self._verifier is not None:
            self._verifier.plan_finished(plan.id)

    def _execute(self, composition: Composition) -> list[PlanResult]:
        plans = composition.plans
        if not self.parallel:
            control = RunControl(on_wait=self._waiting)
            for number, plan in enumerate(plans, 1):
                self._finish(plan, self._run_one(plan, number, plans, composition, control))
            return [self._results[p.id] for p in plans]
        ids = {p.id for p in plans}
        needs = {p.id: [r for r in p.requires if r in ids] for p in plans}
        with (
            ThreadPoolExecutor(max_workers=MAX_CONCURRENCY, thread_name_prefix="step") as steps,
            ThreadPoolExecutor(max_workers=PLANS_AT_ONCE, thread_name_prefix="plan") as plan_pool,
        ):
            control = RunControl(pool=steps, on_wait=self._waiting)
            pending = list(enumerate(plans, 1))
            running: dict[Future[PlanResult], Plan] = {}
            while pending or running:
                for entry in list(pending):
                    number, plan = entry
                    if all(n in self._results for n in needs[plan.id]):
                        pending.remove(entry)
                        running[plan_pool.submit(self._run_one, plan, number, plans, composition, control)] = plan
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    self._finish(running.pop(future), future.result())
        return [self._results[p.id] for p in plans]

    def _waiting(self, plan: Plan, step: ApiCall, waiting_for: str, seconds: float) -> None:
        self.on_event(ApplyEvent("waiting", plan, step, message=waiting_for, seconds=seconds))

    # -- 3. verify -------------------------------------------------------------------------------------
    def _verify(self, results: list[PlanResult]) -> AuditResult | None:
        """The verdicts of exactly the controls the plans fix: each checked as soon as its last plan finished
        (EarlyVerifier), all logged once every plan is done."""
        controls = controls_of(r.plan for r in results)
        if not controls or self._verifier is None:
            return None
        self.on_event(ApplyEvent("verify-start", message=", ".join(controls)))
        after = self._verifier.results()
        if after is None:
            return None
        plans_for = {c: [r.plan.id for r in results if c in r.plan.control_ids] for c in controls}
        for result in after.results:
            self.recorder.verify(result.control.id, result.finding, plans_for.get(result.control.id))
        self.on_event(ApplyEvent("verify-done"))
        return after

    def run(self, session: Mapping[str, Any]) -> ApplyReport:
        with self.recorder.session(dict(session)):
            composition = self.selection.compose(self._offer)
            report = ApplyReport(self.selection, composition)
            self.started = report.started = datetime.now(UTC)
            self._verifier = EarlyVerifier(self.ctx, self.selection.audit.regions, composition.plans, self.started)
            report.results = self._execute(composition)
            report.verify = self._verify(report.results)
            report.not_planned = self.selection.not_planned(composition)
        return report
