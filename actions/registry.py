"""The registry of fix builders: each turns the audited state into a `Plan` for one or more controls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from actions.options import FixOptions
from wizard.aws_context import CallerIdentity
from wizard.collectors.inventory import Inventory
from wizard.findings import Finding, Status
from wizard.plans import Plan, order_plans


@dataclass(frozen=True)
class FixContext:
    """What a builder may read (the audit's cached inventory) and what the admin decided (options)."""

    inventory: Inventory
    options: FixOptions
    identity: CallerIdentity
    findings: Mapping[str, Finding] = field(default_factory=dict)  # the audit's verdicts, by control id

    def failing(self, control_ids: Iterable[str]) -> list[str]:
        """The controls among `control_ids` that the audit found failing."""
        return [c for c in control_ids if c in self.findings and self.findings[c].status is Status.FAIL]

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


Builder = Callable[[FixContext], Plan]


@dataclass(frozen=True)
class FixDefinition:
    plan_id: str
    control_ids: tuple[str, ...]
    build: Builder
    requires: tuple[str, ...] = ()


FIXES: dict[str, FixDefinition] = {}
FIX_FOR_CONTROL: dict[str, str] = {}


def register_fix(
    plan_id: str, control_ids: Iterable[str], requires: tuple[str, ...] = ()
) -> Callable[[Builder], Builder]:
    def decorate(build: Builder) -> Builder:
        definition = FixDefinition(plan_id, tuple(control_ids), build, requires)
        if plan_id in FIXES:
            raise ValueError(f"fix {plan_id} registered twice")
        FIXES[plan_id] = definition
        for control_id in definition.control_ids:
            FIX_FOR_CONTROL[control_id] = plan_id
        return build

    return decorate


def build_plans(control_ids: Iterable[str], fix: FixContext) -> list[Plan]:
    """The plans that fix these controls, each built once, in dependency order."""
    plan_ids = list(dict.fromkeys(FIX_FOR_CONTROL[c] for c in control_ids if c in FIX_FOR_CONTROL))
    return order_plans(FIXES[plan_id].build(fix) for plan_id in plan_ids)
