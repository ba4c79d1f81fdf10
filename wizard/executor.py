"""Run plans: each call's intent recorded before it is made and its result after; stop at the first failure.

The executor knows nothing about prompts: whoever calls it has already asked for (and logged) the confirm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import botocore.exceptions
from botocore import xform_name

from wizard.aws_context import AwsContext
from wizard.collectors.api import error_code, error_message, trim_for_evidence
from wizard.plans import ApiCall, Plan


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


def call_aws(ctx: AwsContext, step: ApiCall, params: dict[str, Any]) -> dict[str, Any]:
    client = ctx.client(step.service, step.region)
    response = getattr(client, xform_name(step.operation))(**params)
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def run_plan(
    ctx: AwsContext, plan: Plan, journal: CallJournal, on_step: StepCallback | None = None
) -> PlanOutcome:
    outcome = PlanOutcome(plan)
    responses: dict[str, Any] = {}
    for index, step in enumerate(plan.steps):
        if on_step:
            on_step(plan, step, None)
        params = step.resolved_params(responses)
        token = journal.intent(plan, step, params)
        try:
            response = call_aws(ctx, step, params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            failed = StepOutcome(step, StepStatus.FAILED, error_code=error_code(error), message=error_message(error))
            journal.result(token, failed)
            outcome.steps.append(failed)
            outcome.steps += [StepOutcome(s, StepStatus.NOT_RUN) for s in plan.steps[index + 1 :]]
            if on_step:
                on_step(plan, step, failed)
            return outcome
        responses[step.id] = response
        done = StepOutcome(step, StepStatus.DONE, response=trim_for_evidence(response))
        journal.result(token, done)
        outcome.steps.append(done)
        if on_step:
            on_step(plan, step, done)
    return outcome


def run_plans(
    ctx: AwsContext, plans: Sequence[Plan], journal: CallJournal, on_step: StepCallback | None = None
) -> list[PlanOutcome]:
    """Run plans in the order given (already dependency-ordered); stop at the first failing step."""
    outcomes = []
    for plan in plans:
        outcome = run_plan(ctx, plan, journal, on_step)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes
