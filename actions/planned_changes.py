"""What the plans ordered before a plan will change, so that its builder sees the account as it will be.

Plans for one run are built from one audit, in order. Without this, two plans act on the same thing: the 1.22
plan detaches a policy from a user that the 1.16 plan has already moved into a group, and gets NoSuchEntity;
1.3 and 1.4 both deactivate the same old, unused key. A builder asks `PlannedChanges` about the calls the
earlier plans will make (by service, operation and parameters) and plans only what is left to do.

Every answer that matches a call remembers the plan that made it (`used`): the later plan then depends on
that plan, so it never runs before it, and re-planning it after that plan ran gives the same calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wizard.plans.model import ApiCall, Plan


@dataclass(frozen=True)
class PlannedCall:
    plan_id: str
    call: ApiCall


class PlannedChanges:
    """The calls of the plans before this one (in run order), and which of those plans a builder relied on."""

    def __init__(self, plans: Iterable[Plan] = ()) -> None:
        self._calls = [PlannedCall(plan.id, step) for plan in plans for step in plan.steps]
        self.used: set[str] = set()

    def find(self, service: str, operation: str, region: str | None = None, **params: Any) -> list[PlannedCall]:
        """Earlier calls of `service:operation` (in `region`, when given) whose parameters include `params`."""
        found = [
            planned
            for planned in self._calls
            if planned.call.service == service
            and planned.call.operation == operation
            and (region is None or planned.call.region == region)
            and all(planned.call.params.get(name) == value for name, value in params.items())
        ]
        self.used.update(planned.plan_id for planned in found)
        return found

    def last(self, service: str, operation: str, region: str | None = None, **params: Any) -> PlannedCall | None:
        """The latest such call (e.g. the bucket policy an earlier plan puts last), or None."""
        found = self.find(service, operation, region, **params)
        return found[-1] if found else None

    def by_whom(self, found: Iterable[PlannedCall]) -> str:
        """ "the plan for cloudtrail" / "the plans for a, b": who makes these calls, for notes."""
        ids = list(dict.fromkeys(planned.plan_id for planned in found))
        return f"the plan{'s' if len(ids) > 1 else ''} {', '.join(ids)} (run before this one)"
