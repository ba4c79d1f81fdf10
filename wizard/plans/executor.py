"""Run plans: each call's intent recorded before it is made and its result after; stop at the first failure.

A plan's steps run in order, except where its builder declared steps independent (`ApiCall.after`: one
region's steps beside another's): then, given a pool, independent steps run at once. Two steps on the same
resource (the same trail, bucket, log group, security group, user) never run at the same time, even from
different plans. Once a step fails, no new step starts anywhere in the run; steps already running finish.

The executor knows nothing about prompts: whoever calls it has already asked for (and logged) the confirm.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import botocore.exceptions
from botocore import xform_name

from wizard.aws.context import AwsContext
from wizard.collectors.api import error_code, error_message, trim_for_evidence
from wizard.plans.model import ApiCall, Plan
from wizard.plans.propagation import MAX_WAIT_SECONDS, propagation_of, retry_delays


class StepStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"
    NOT_RUN = "not-run"


@dataclass(frozen=True)
class StepOutcome:
    step: ApiCall
    status: StepStatus
    response: Any = None
    error_code: str | None = None
    message: str | None = None


@dataclass
class PlanOutcome:
    plan: Plan
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status is StepStatus.DONE for s in self.steps)

    @property
    def ran(self) -> list[StepOutcome]:
        return [s for s in self.steps if s.status is StepStatus.DONE]

    @property
    def failure(self) -> StepOutcome | None:
        return next((s for s in self.steps if s.status is StepStatus.FAILED), None)


class CallJournal(Protocol):
    """Where the executor records each call (the audit log in production)."""

    def intent(self, plan: Plan, step: ApiCall, params: dict[str, Any]) -> str: ...

    def result(self, token: str, outcome: StepOutcome) -> None: ...


StepCallback = Callable[[Plan, ApiCall, StepOutcome | None], None]
WaitCallback = Callable[[Plan, ApiCall, str, float], None]  # (plan, step, what is awaited, seconds so far)

# Parameters that name what a call changes. Two steps change the same thing when they name it alike (the
# same trail, bucket, security group, user, log group and filter, ...): those never run at the same time.
_RESOURCE_PARAMETERS = (
    "Name",
    "TrailName",
    "Bucket",
    "GroupId",
    "UserName",
    "GroupName",
    "RoleName",
    "logGroupName",
    "filterName",
    "TopicArn",
    "KeyId",
    "AlarmName",
    "ConfigurationRecorderName",
)


def resource_of(step: ApiCall) -> tuple[str, ...] | None:
    """(service, region, the identifying parameters it names) of what the step changes, or None."""
    named = tuple(
        f"{name}={step.params[name]}" for name in _RESOURCE_PARAMETERS if isinstance(step.params.get(name), str)
    )
    return (step.service, step.region, *named) if named else None


class ResourceLocks:
    """One lock per resource, shared by every plan of a run."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, ...], threading.Lock] = {}
        self._guard = threading.Lock()

    def lock_for(self, step: ApiCall) -> threading.Lock | None:
        resource = resource_of(step)
        if resource is None:
            return None
        with self._guard:
            return self._locks.setdefault(resource, threading.Lock())


@dataclass
class RunControl:
    """What the plans of one run share: the pool for independent steps, the stop signal, the locks."""

    pool: ThreadPoolExecutor | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    locks: ResourceLocks = field(default_factory=ResourceLocks)
    on_wait: WaitCallback | None = None  # told while a step waits for AWS to propagate a change
    max_wait: float = MAX_WAIT_SECONDS


def call_aws(ctx: AwsContext, step: ApiCall, params: dict[str, Any]) -> dict[str, Any]:
    client = ctx.client(step.service, step.region)
    response = getattr(client, xform_name(step.operation))(**params)
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class _PlanRun:
    def __init__(
        self, ctx: AwsContext, plan: Plan, journal: CallJournal, on_step: StepCallback | None, control: RunControl
    ) -> None:
        self.ctx, self.plan, self.journal, self.on_step, self.control = ctx, plan, journal, on_step, control
        self.responses: dict[str, Any] = {}
        self.outcomes: dict[str, StepOutcome] = {}

    def _attempt(self, step: ApiCall, params: dict[str, Any]) -> StepOutcome:
        """One call, its intent and result journalled."""
        lock = self.control.locks.lock_for(step)
        token = self.journal.intent(self.plan, step, params)
        try:
            if lock is None:
                response = call_aws(self.ctx, step, params)
            else:
                with lock:
                    response = call_aws(self.ctx, step, params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            outcome = StepOutcome(step, StepStatus.FAILED, error_code=error_code(error), message=error_message(error))
        else:
            self.responses[step.id] = response
            outcome = StepOutcome(step, StepStatus.DONE, response=trim_for_evidence(response))
        self.journal.result(token, outcome)
        return outcome

    def step(self, step: ApiCall) -> StepOutcome:
        """The call, tried again while AWS answers that a change has not propagated yet (and only then)."""
        if self.on_step:
            self.on_step(self.plan, step, None)
        params = step.resolved_params(self.responses)
        outcome = self._attempt(step, params)
        waited = 0.0
        delays = retry_delays(self.control.max_wait)
        while outcome.status is StepStatus.FAILED and (
            propagation := propagation_of(step, outcome.error_code, outcome.message)
        ):
            delay = next(delays, None)
            if delay is None or self.control.stop.is_set():
                break
            if self.control.on_wait:
                self.control.on_wait(self.plan, step, propagation.waiting_for, waited)
            if self.control.stop.wait(delay):
                break
            waited += delay
            outcome = self._attempt(step, params)
        if outcome.status is StepStatus.FAILED:
            self.control.stop.set()
        if self.on_step:
            self.on_step(self.plan, step, outcome)
        return outcome

    def in_order(self) -> None:
        for step in self.plan.steps:
            if self.control.stop.is_set():
                return
            self.outcomes[step.id] = self.step(step)

    def as_ready(self, pool: ThreadPoolExecutor) -> None:
        dependencies = self.plan.step_dependencies()
        by_id = {s.id: s for s in self.plan.steps}
        started: set[str] = set()
        running: dict[Future[StepOutcome], str] = {}
        while True:
            if not self.control.stop.is_set():
                for step_id, needs in dependencies.items():
                    ready = all(n in self.outcomes and self.outcomes[n].status is StepStatus.DONE for n in needs)
                    if step_id not in started and ready:
                        started.add(step_id)
                        running[pool.submit(self.step, by_id[step_id])] = step_id
            if not running:
                return
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                self.outcomes[running.pop(future)] = future.result()

    def outcome(self) -> PlanOutcome:
        steps = [self.outcomes.get(s.id) or StepOutcome(s, StepStatus.NOT_RUN) for s in self.plan.steps]
        return PlanOutcome(self.plan, steps)


def run_plan(
    ctx: AwsContext,
    plan: Plan,
    journal: CallJournal,
    on_step: StepCallback | None = None,
    control: RunControl | None = None,
) -> PlanOutcome:
    """Run one plan's steps (independent ones at once when `control` has a pool); stop at a failure."""
    control = control or RunControl()
    run = _PlanRun(ctx, plan, journal, on_step, control)
    if control.pool is None:
        run.in_order()
    else:
        run.as_ready(control.pool)
    return run.outcome()


def run_plans(
    ctx: AwsContext, plans: Sequence[Plan], journal: CallJournal, on_step: StepCallback | None = None
) -> list[PlanOutcome]:
    """Run plans in the order given (already dependency-ordered), one step at a time; stop at the first
    failing step."""
    control = RunControl()
    outcomes = []
    for plan in plans:
        outcome = run_plan(ctx, plan, journal, on_step, control)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes
