"""The registry of checks: one function per control, with the reads it needs declared up front."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.collectors.cache import recording_evidence
from wizard.collectors.inventory import GLOBAL_READS, REGIONAL_READS, Inventory
from wizard.errors import AwsReadError

T = TypeVar("T")
CheckFunction = Callable[[Inventory], Finding]
# A check as written: it is given the inventory and a new builder of its control's finding (see `register`).
CheckBody = Callable[[Inventory, FindingBuilder], Finding]


@dataclass(frozen=True)
class Check:
    control_id: str
    run: CheckFunction
    reads: tuple[str, ...] = ()  # account-wide reads (Inventory method names)
    regional_reads: tuple[str, ...] = ()  # per-region reads


CHECKS: dict[str, Check] = {}
F = TypeVar("F", bound=Callable[..., Any])


def named_as(wrapper: F, wrapped: Callable[..., Any]) -> F:
    """`wrapper` named as the function it runs (module, name, docstring), its annotations left its own."""
    functools.update_wrapper(wrapper, wrapped, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
    return wrapper


def register(
    control_id: str, *, reads: tuple[str, ...] = (), regional_reads: tuple[str, ...] = ()
) -> Callable[[CheckBody], CheckFunction]:
    """Register a check of `control_id`. The decorated name is the registered check: called with an inventory,
    it runs the body with a builder of `control_id`'s finding (so the id is written once, here)."""
    unknown = [r for r in reads if r not in GLOBAL_READS] + [r for r in regional_reads if r not in REGIONAL_READS]
    if unknown:
        raise ValueError(f"check {control_id} declares unknown reads: {unknown}")

    def decorate(body: CheckBody) -> CheckFunction:
        if control_id in CHECKS:
            raise ValueError(f"check {control_id} registered twice")

        def check(inventory: Inventory) -> Finding:
            return body(inventory, FindingBuilder(control_id))

        CHECKS[control_id] = Check(control_id, named_as(check, body), reads, regional_reads)
        return check

    return decorate


def run_check(check: Check, inventory: Inventory) -> Finding:
    """Run one check; a failed read makes this control ERROR with the AWS error code, nothing else."""
    with recording_evidence() as evidence:
        try:
            finding = check.run(inventory)
        except AwsReadError as error:
            finding = Finding(check.control_id, Status.ERROR, error.reason, error_code=error.code)
        except Exception as error:  # a defect in one check must not hide the other 48 results
            name = type(error).__name__
            finding = Finding(
                check.control_id,
                Status.ERROR,
                f"Internal error in this check: {name}: {error}",
                error_code=name,
            )
    return Finding(
        finding.control_id,
        finding.status,
        finding.summary,
        finding.resources,
        tuple(evidence),
        finding.error_code,
    )


def each_region(inventory: Inventory, read: Callable[[str], T], builder: FindingBuilder) -> Iterator[tuple[str, T]]:
    """(region, value) for every audited region whose read worked; a failed region becomes an ERROR row."""
    for region in inventory.regions:
        try:
            value = read(region)
        except AwsReadError as error:
            builder.add(f"region:{region}", region, Status.ERROR, error.reason)
            continue
        yield region, value
