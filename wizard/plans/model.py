"""Fix plans: the exact AWS calls of a fix, one object rendered for preview, run, and logged.

A `Plan` is an ordered tuple of `ApiCall`s. Every call is checked against botocore's input shape when it is
built, so a misspelt parameter fails in a test, never in an account. A value known only after an earlier step
has run (the id of a new KMS key) is a `Ref` to that step's response, shown by name and resolved at run time.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botocore.validate import ParamValidator

from wizard.aws.cli_commands import iam_action, operation_model, render_cli
from wizard.aws.iam_actions import iam_actions_for

_SHELL_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class Risk(StrEnum):
    SAFE = "safe"  # creates or tightens; nothing that works today stops working
    DISRUPTIVE = "disruptive"  # may break a workload (revoking rules, detaching a policy): show who is affected
    IRREVERSIBLE = "irreversible"  # cannot be undone (deleting a login profile or a key)


class PlanError(ValueError):
    """A plan that could never run: a call that does not fit botocore's model, a dangling reference."""


@dataclass(frozen=True)
class Ref:
    """A value from an earlier step's response: `step`'s response at `path` (dotted keys), shown as ${name}."""

    step: str
    path: str
    name: str

    def resolve(self, responses: Mapping[str, Any]) -> Any:
        value: Any = responses[self.step]
        for key in self.path.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        return value


def _refs_in(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _refs_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _refs_in(item)


def substitute(value: Any, replace: Any) -> Any:
    """A copy of `value` with every Ref replaced by `replace(ref)`."""
    if isinstance(value, Ref):
        return replace(value)
    if isinstance(value, Mapping):
        return {k: substitute(v, replace) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, replace) for v in value]
    return value


def _placeholder(ref: Ref) -> str:
    return "${" + ref.name + "}"


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call of a plan."""

    id: str  # unique within its plan, e.g. "create-topic"
    service: str  # botocore service name: "iam", "s3", "config", ...
    operation: str  # "UpdateAccountPasswordPolicy"
    params: Mapping[str, Any]
    region: str
    purpose: str  # one line for people: why this call
    risk: Risk = Risk.SAFE
    # The steps of the same plan that must be done before this one. None: the step just before it (so a
    # plan runs in order unless its builder says which steps are independent, e.g. one per region).
    after: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        try:
            model = operation_model(self.service, self.operation)
        except Exception as error:  # botocore raises its own errors for unknown services/operations
            raise PlanError(f"{self.service}:{self.operation} is not an AWS API operation") from error
        if model.input_shape is None:
            if self.params:
                raise PlanError(f"{self.service}:{self.operation} takes no parameters")
            return
        sample = substitute(dict(self.params), _sample_for_ref)
        report = ParamValidator().validate(sample, model.input_shape)
        if report.has_errors():
            raise PlanError(f"{self.service}:{self.operation}: {report.generate_report()}")

    @property
    def action(self) -> str:
        """The IAM action this call needs, e.g. iam:UpdateAccountPasswordPolicy."""
        return iam_action(self.service, self.operation)

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(_refs_in(self.params))

    def signature(self) -> tuple[str, str, str, str]:
        """What the call does (service, operation, region, parameters), for telling two plans apart."""
        params = json.dumps(substitute(dict(self.params), _placeholder), sort_keys=True, default=str)
        return (self.service, self.operation, self.region, params)

    def resolved_params(self, responses: Mapping[str, Any]) -> dict[str, Any]:
        return substitute(dict(self.params), lambda ref: ref.resolve(responses))

    def cli(self) -> str:
        """The `aws` command, with references (and only they) written as "${name}"."""
        markers: dict[str, str] = {}

        def mark(ref: Ref) -> str:
            # A marker no text from AWS can contain: the references are placed by construction, never found
            # by looking for "${" in the parameters.
            marker = f"ref-{uuid.uuid4().hex}"
            markers[marker] = ref.name
            return marker

        params = substitute(dict(self.params), mark)
        return render_cli(self.service, self.operation, params, self.region, markers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "operation": self.operation,
            "region": self.region,
            "params": substitute(dict(self.params), _placeholder),
            "purpose": self.purpose,
            "risk": self.risk.value,
            "action": self.action,
            "cli": self.cli(),
        }


def _sample_for_ref(ref: Ref) -> str:
    # References stand for ids and ARNs, which are strings in every API this tool calls.
    return f"ref-{ref.name}"


@dataclass(frozen=True)
class Plan:
    """The calls that fix one control (or a group: 1.5-1.11 is one call; 3.x share a topic)."""

    id: str  # "password-policy", "cloudtrail", "alarm-3.1", ...
    control_ids: tuple[str, ...]
    title: str
    steps: tuple[ApiCall, ...]
    requires: tuple[str, ...] = ()  # ids of plans that must run first
    undo: tuple[ApiCall, ...] = ()  # computed from the state before; run in order to go back
    notes: tuple[str, ...] = ()  # what the admin must know (e.g. "confirm the e-mail subscription")
    affected: tuple[str, ...] = ()  # who or what may notice the change (ENIs using a group, users of a policy)
    extra_actions: tuple[str, ...] = field(default=())  # IAM actions needed beyond the calls (e.g. iam:PassRole)
    refused: str | None = None  # why the wizard will not fix this (e.g. it would remove the caller's own access)
    needs: tuple[str, ...] = ()  # fix options that, once given, let a refused plan be built (alarm_endpoint)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        captured: dict[str, Ref] = {}
        for step in self.steps:
            if step.id in seen:
                raise PlanError(f"plan {self.id}: two steps are called {step.id!r}")
            for needed in step.after or ():
                if needed not in seen:
                    raise PlanError(f"plan {self.id}: step {step.id!r} comes after {needed!r}, which is not before it")
            for ref in step.refs:
                if ref.step not in seen:
                    raise PlanError(f"plan {self.id}: step {step.id!r} uses {ref.step!r} before it runs")
                if not _SHELL_NAME.fullmatch(ref.name):
                    raise PlanError(f"plan {self.id}: reference name {ref.name!r} is not a shell variable name")
                # The shell script captures one value per step (`name=$(aws ... --query PATH)`).
                if captured.setdefault(ref.step, ref) != ref:
                    raise PlanError(f"plan {self.id}: step {ref.step!r} is referenced by two different values")
            seen.add(step.id)

    @property
    def risk(self) -> Risk:
        order = [Risk.SAFE, Risk.DISRUPTIVE, Risk.IRREVERSIBLE]
        return max((s.risk for s in self.steps), key=order.index, default=Risk.SAFE)

    @property
    def is_empty(self) -> bool:
        """Nothing to run: already compliant, or refused (then `refused` says why)."""
        return not self.steps

    def signature(self) -> tuple[tuple[str, str, str, str], ...]:
        """The calls the plan makes, in order: two plans with the same signature change the same things."""
        return tuple(step.signature() for step in self.steps)

    def step_dependencies(self) -> dict[str, tuple[str, ...]]:
        """Step id -> the step ids that must be done first (its `after`, or the step before it; and the
        steps whose responses it uses)."""
        dependencies: dict[str, tuple[str, ...]] = {}
        previous: str | None = None
        for step in self.steps:
            declared = step.after if step.after is not None else ((previous,) if previous else ())
            dependencies[step.id] = tuple(dict.fromkeys((*declared, *(ref.step for ref in step.refs))))
            previous = step.id
        return dependencies

    def iam_actions(self) -> tuple[str, ...]:
        needed = {a for s in self.steps for a in iam_actions_for(s.service, s.operation, s.params)}
        return tuple(sorted(needed | set(self.extra_actions)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "controls": list(self.control_ids),
            "title": self.title,
            "risk": self.risk.value,
            "requires": list(self.requires),
            "iam_actions": list(self.iam_actions()),
            "steps": [s.to_dict() for s in self.steps],
            "undo": [s.to_dict() for s in self.undo],
            "notes": list(self.notes),
            "affected": list(self.affected),
            "refused": self.refused,
            "needs": list(self.needs),
        }


def order_plans(plans: Iterable[Plan]) -> list[Plan]:
    """Plans in dependency order (a plan after every plan it requires), otherwise in the order given."""
    pending = list(plans)
    by_id = {p.id: p for p in pending}
    ordered: list[Plan] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(plan: Plan) -> None:
        if plan.id in placed:
            return
        if plan.id in visiting:
            raise PlanError(f"plans depend on each other in a circle at {plan.id!r}")
        visiting.add(plan.id)
        for needed in plan.requires:
            if needed in by_id:
                place(by_id[needed])
        visiting.discard(plan.id)
        placed.add(plan.id)
        ordered.append(plan)

    for plan in pending:
        place(plan)
    return ordered


def in_lanes(first: Iterable[ApiCall], lanes: Iterable[Iterable[ApiCall]]) -> list[ApiCall]:
    """Steps as independent lanes after common ones: `first` in order, then each lane in order, a lane's first
    step after the last of `first`, and the lanes independent of each other (one region's beside another's),
    so that an executor with a pool runs them at once. Listed in an order a plain script can run."""
    steps = list(first)
    start: tuple[str, ...] = (steps[-1].id,) if steps else ()
    for lane in lanes:
        for index, step in enumerate(lane):
            steps.append(
                dataclasses.replace(step, after=start) if index == 0 else dataclasses.replace(step, after=None)
            )
    return steps
