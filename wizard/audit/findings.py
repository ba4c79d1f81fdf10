"""What an audit produces: per-control findings, the resources they name, and the evidence behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    MANUAL = "MANUAL"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Evidence:
    """One API read a verdict was decided from, with the part of the response that mattered."""

    operation: str  # "iam:GetAccountPasswordPolicy"
    region: str
    cli: str  # the equivalent `aws ...` command
    response: Any

    def to_dict(self) -> dict[str, Any]:
        # Every field as it is (asdict would deep-copy the response, which may be a whole credential report).
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ResourceResult:
    id: str
    region: str
    status: Status
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "region": self.region, "status": self.status.value, "reason": self.reason}


@dataclass(frozen=True)
class Finding:
    control_id: str
    status: Status
    summary: str
    resources: tuple[ResourceResult, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    error_code: str | None = None

    def failing(self) -> tuple[ResourceResult, ...]:
        return tuple(r for r in self.resources if r.status is Status.FAIL)


def combine_statuses(statuses: Iterable[Status], empty: Status = Status.NOT_APPLICABLE) -> Status:
    """A control over many resources: any FAIL fails it; otherwise an ERROR leaves it undecided.

    MANUAL outranks PASS (something still needs a person's review); NOT_APPLICABLE is neutral.
    """
    seen = set(statuses)
    for status in (Status.FAIL, Status.ERROR, Status.MANUAL, Status.PASS):
        if status in seen:
            return status
    return empty


@dataclass
class FindingBuilder:
    """Collects per-resource results for one control and turns them into a Finding."""

    control_id: str
    resources: list[ResourceResult] = field(default_factory=list)

    def add(self, resource_id: str, region: str, status: Status, reason: str) -> None:
        self.resources.append(ResourceResult(resource_id, region, status, reason))

    def passed(self, resource_id: str, region: str, reason: str) -> None:
        self.add(resource_id, region, Status.PASS, reason)

    def failed(self, resource_id: str, region: str, reason: str) -> None:
        self.add(resource_id, region, Status.FAIL, reason)

    def judge(self, resource_id: str, region: str, ok: bool, *, passed: str, failed: str) -> None:
        """A PASS row saying `passed` when `ok`, else a FAIL row saying `failed`."""
        if ok:
            self.passed(resource_id, region, passed)
        else:
            self.failed(resource_id, region, failed)

    def build(
        self,
        *,
        passed: str,
        failed: str = "{failing} of {total} failing.",
        manual: str = "{manual} to review by hand.",
        empty: str = "Nothing to check.",
        empty_status: Status = Status.NOT_APPLICABLE,
        any_passes: bool = False,
    ) -> Finding:
        """A Finding whose status combines the rows; summaries may use {failing}, {manual}, {total}.

        With `any_passes` one passing row is enough (e.g. "at least one compliant trail"), and an ERROR
        only matters when nothing passed.
        """
        counts = {
            "failing": sum(r.status is Status.FAIL for r in self.resources),
            "manual": sum(r.status is Status.MANUAL for r in self.resources),
            "total": len(self.resources),
        }
        status = combine_statuses((r.status for r in self.resources), empty=empty_status)
        if any_passes and self.resources:
            found = {r.status for r in self.resources}
            status = next(s for s in (Status.PASS, Status.ERROR, Status.FAIL, Status.MANUAL) if s in found)
        errored = [r for r in self.resources if r.status is Status.ERROR]
        if not self.resources:
            summary = empty
        elif status is Status.FAIL:
            summary = failed.format(**counts)
        elif status is Status.ERROR:
            summary = f"Could not check {len(errored)} of {counts['total']}: {errored[0].reason}"
        elif status is Status.MANUAL:
            summary = manual.format(**counts)
        else:
            summary = passed.format(**counts)
        code = errored[0].reason.split(":", 1)[0] if errored else None
        return Finding(self.control_id, status, summary, tuple(self.resources), error_code=code)
