"""The registry of fix builders: each turns the audited state into a `Plan` for one or more controls."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from actions.options import FixOptions
from actions.planned_changes import PlannedChanges
from wizard.audit.findings import Finding, Status
from wizard.aws.context import CallerIdentity
from wizard.collectors.inventory import Inventory
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Plan, PlanError


@dataclass(frozen=True)
class FixContext:
    """What a builder may read (the audit's cached inventory) and what the admin decided (options)."""

    inventory: Inventory
    options: FixOptions
    identity: CallerIdentity
    findings: Mapping[str, Finding] = field(default_factory=dict)  # the audit's verdicts, by control id
    chosen: frozenset[str] = frozenset()  # the controls the admin asked to fix (empty: every one a plan serves)
    earlier: PlannedChanges = field(default_factory=PlannedChanges)  # what the plans before this one will do

    def failing(self, control_ids: Iterable[str]) -> list[str]:
        """The controls among `control_ids` that the audit found failing (and, when a choice was made, that
        the admin chose)."""
        return [
            c
            for c in control_ids
            if c in self.findings and self.findings[c].status is Status.FAIL and (not self.chosen or c in self.chosen)
        ]

    @property
    def home_region(self) -> str:
        return self.inventory.home_region

    @property
    def account_id(self) -> str:
        return self.identity.account_id

    @property
    def partition(self) -> str:
        return self.inventory.ctx.partition

    @property
    def caller_user_name(self) -> str | None:
        """The IAM user running the wizard (arn:aws:iam::1:user/path/NAME), or None for roles and root."""
        resource = self.identity.arn.split(":", 5)[-1]
        return resource.rsplit("/", 1)[-1] if resource.startswith("user/") else None

    @property
    def caller_role_name(self) -> str | None:
        """The role behind an assumed-role session (arn:aws:sts::1:assumed-role/NAME/session)."""
        resource = self.identity.arn.split(":", 5)[-1]
        return resource.split("/")[1] if resource.startswith("assumed-role/") else None

    @property
    def caller_access_key_id(self) -> str | None:
        credentials = self.inventory.ctx.session.get_credentials()
        return credentials.access_key if credentials is not None else None

    def arn(self, service: str, resource: str, region: str = "") -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class PlanDraft:
    """What a builder decides: the calls, their undo, and what the admin must know. Which plan it is (id,
    title, controls, the plans that run first) is the registration's, stamped on by `build_plan`."""

    steps: Sequence[ApiCall] = ()
    undo: Sequence[ApiCall] = ()
    notes: Sequence[str] = ()
    affected: Sequence[str] = ()  # who or what may notice the change
    extra_actions: Sequence[str] = ()  # IAM actions needed beyond the calls (iam:PassRole)
    refused: str | None = None  # why the wizard will not fix this
    needs: Sequence[str] = ()  # fix options that, once given, let a refused plan be built
    # Fewer controls than registered (3.x: the failing ones), or those a shared plan registered with none serves.
    control_ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        # Builders collect lists; a draft (like a Plan) holds tuples, so it compares and prints as one.
        for name in ("steps", "undo", "notes", "affected", "extra_actions", "needs", "control_ids"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def is_empty(self) -> bool:
        """Nothing to run: already compliant, or refused (then `refused` says why)."""
        return not self.steps


Builder = Callable[[FixContext], PlanDraft]
RegisteredFix = Callable[[FixContext], Plan]


@dataclass(frozen=True)
class FixDefinition:
    plan_id: str
    control_ids: tuple[str, ...]
    title: str
    build: Builder
    requires: tuple[str, ...] = ()  # plans that must run first (and are planned too)
    after: tuple[str, ...] = ()  # plans that, when also planned, are built and run first (1.22 before 1.16)
    # The IAM actions its plans and undo calls need, and the reads its builder makes beyond the audit's
    # (AWS's action names, checked against the catalog and against every call of its plans by the tests).
    permissions: tuple[str, ...] = ()

    def stamp(self, draft: PlanDraft, fix: FixContext) -> Plan:
        """The plan of this fix: what the builder decided, under the registration's id, title and order."""
        controls = tuple(draft.control_ids) or self.control_ids
        if fix.chosen and any(c in fix.chosen for c in controls):
            controls = tuple(c for c in controls if c in fix.chosen)
        # What must run first: the registered prerequisites, and the earlier plans the builder relied on.
        needs = (*self.requires, *sorted(fix.earlier.used))
        return Plan(
            self.plan_id,
            controls,
            self.title,
            tuple(draft.steps),
            requires=tuple(dict.fromkeys(needs)),
            undo=tuple(draft.undo),
            notes=tuple(draft.notes),
            affected=tuple(draft.affected),
            extra_actions=tuple(draft.extra_actions),
            refused=draft.refused,
            needs=tuple(draft.needs),
        )


FIXES: dict[str, FixDefinition] = {}
FIX_FOR_CONTROL: dict[str, str] = {}


def register_fix(
    plan_id: str,
    control_ids: Iterable[str],
    *,
    title: str,
    requires: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    permissions: Iterable[str] = (),
) -> Callable[[Builder], RegisteredFix]:
    """Register a builder as the fix `plan_id` of `control_ids`. The decorated name is the registered fix:
    calling it builds the finished plan, exactly as the wizard does (`build_plan`)."""

    def decorate(build: Builder) -> RegisteredFix:
        definition = FixDefinition(
            plan_id, tuple(control_ids), title, build, requires, after, tuple(sorted(set(permissions)))
        )
        if plan_id in FIXES:
            raise ValueError(f"fix {plan_id} registered twice")
        FIXES[plan_id] = definition
        for control_id in definition.control_ids:
            FIX_FOR_CONTROL[control_id] = plan_id

        def registered(fix: FixContext) -> Plan:
            return build_plan(definition, fix)

        # Named as the builder (its annotations stay its own: the builder returns a draft, this a Plan).
        return functools.update_wrapper(
            registered, build, assigned=("__module__", "__name__", "__qualname__", "__doc__")
        )

    return decorate


def declared_permissions() -> set[str]:
    """Every IAM action some registered fix declares (what `permissions --mode fix` adds to the audit's)."""
    return {action for definition in FIXES.values() for action in definition.permissions}


def with_requirements(plan_ids: Iterable[str]) -> list[str]:
    """The plans and every plan they require, each once, a requirement before the plan that needs it."""
    wanted: list[str] = []

    def add(plan_id: str) -> None:
        for needed in FIXES[plan_id].requires:
            add(needed)
        if plan_id not in wanted:
            wanted.append(plan_id)

    for plan_id in plan_ids:
        add(plan_id)
    return wanted


def build_order(plan_ids: Iterable[str]) -> list[str]:
    """The plans in the order they are built and run: each after what it requires and what it comes after
    (when that is planned too); otherwise in registration order, which is the benchmark's."""
    chosen = set(plan_ids)
    registered = sorted((plan_id for plan_id in FIXES if plan_id in chosen), key=_benchmark_position)
    ordered: list[str] = []
    visiting: set[str] = set()

    def place(plan_id: str) -> None:
        if plan_id in ordered:
            return
        if plan_id in visiting:
            raise PlanError(f"fixes depend on each other in a circle at {plan_id!r}")
        visiting.add(plan_id)
        definition = FIXES[plan_id]
        for needed in (*definition.requires, *definition.after):
            if needed in chosen:
                place(needed)
        visiting.discard(plan_id)
        ordered.append(plan_id)

    for plan_id in registered:
        place(plan_id)
    return ordered


def _benchmark_position(plan_id: str) -> tuple[int, ...]:
    """Where a fix stands in the benchmark: at its first control (a plan of no control of its own, last)."""
    controls = FIXES[plan_id].control_ids
    return min(tuple(int(p) for p in c.split(".")) for c in controls) if controls else (99,)


def build_plan(definition: FixDefinition, fix: FixContext) -> Plan:
    """Build one plan, stamped from its registration: the controls it fixes (as chosen) and the plans it
    needs first. A read that fails makes the plan refused with the AWS error, never a traceback: the one
    place that says so, for every builder."""
    try:
        draft = definition.build(fix)
    except AwsReadError as error:
        draft = PlanDraft(refused=f"cannot read what this fix needs: {error.reason}")
    return definition.stamp(draft, fix)
