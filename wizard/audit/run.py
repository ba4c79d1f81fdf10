"""Run an audit: make every declared read once, concurrently across regions, then run the checks."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wizard.audit.findings import Finding, Status
from wizard.aws.context import MAX_CONCURRENCY, AwsContext, CallerIdentity
from wizard.catalog import Control
from wizard.checks import CHECKS, Check, run_check
from wizard.collectors.cache import ReadLog, recording_reads
from wizard.collectors.inventory import SERVICES_IN_EVERY_REGION, Inventory


@dataclass(frozen=True)
class AuditProgress:
    """One step of progress: `phase` is "read" or "check"; `label` names what just finished."""

    phase: str
    done: int
    total: int
    label: str


@dataclass(frozen=True)
class ControlResult:
    control: Control
    finding: Finding


@dataclass(frozen=True)
class AuditResult:
    identity: CallerIdentity
    regions: list[str]
    started_at: datetime
    finished_at: datetime
    api_calls: int
    results: list[ControlResult]
    # The reads, for fix builders to reuse (None once let go: a many-account audit keeps only the verdicts).
    inventory: Inventory | None = field(repr=False, compare=False)
    # Control id -> the reads its check used (and how to make them again), to re-read before a fix runs.
    reads: Mapping[str, ReadLog] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for result in self.results:
            counts[result.finding.status] += 1
        return counts

    def without_reads(self) -> AuditResult:
        """The verdicts and their evidence, without the cached reads (and the clients behind them)."""
        return dataclasses.replace(self, inventory=None, reads={})

    def finding(self, control_id: str) -> Finding:
        return next(r.finding for r in self.results if r.control.id == control_id)

    def score(self, scored_only: bool = False) -> tuple[int, int]:
        """(passing, total) over the audited controls, or over the scored ones only."""
        pool = [r for r in self.results if r.control.scored or not scored_only]
        return sum(r.finding.status is Status.PASS for r in pool), len(pool)


ProgressCallback = Callable[[AuditProgress], object]  # what it returns is ignored


class AuditCancelled(Exception):
    pass


def _planned_reads(controls: list[Control], regions: list[str]) -> list[tuple[str, str | None]]:
    reads: dict[tuple[str, str | None], None] = {}
    for control in controls:
        check = CHECKS[control.id]
        for name in check.reads:
            reads[(name, None)] = None
        for name in check.regional_reads:
            for region in regions:
                reads[(name, region)] = None
    return list(reads)


def _run_all(
    pool: ThreadPoolExecutor,
    jobs: dict[Future[object], str],
    phase: str,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> None:
    pending = set(jobs)
    done_count = 0
    while pending:
        finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        if cancel is not None and cancel.is_set():
            for future in pending:
                future.cancel()
            raise AuditCancelled()
        for future in finished:
            done_count += 1
            if progress:
                progress(AuditProgress(phase, done_count, len(jobs), jobs[future]))


def run_audit(
    ctx: AwsContext,
    controls: list[Control],
    regions: list[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    max_workers: int = MAX_CONCURRENCY,
    changed_since: datetime | None = None,
) -> AuditResult:
    """Audit `controls` over `regions`. Reads that fail make their controls ERROR; the audit completes.

    `changed_since`: this run changed the account at that time (a verify after an apply), so evidence that
    AWS may serve from before it (the credential report) is checked against IAM's current answer."""
    ctx.prepare_clients(SERVICES_IN_EVERY_REGION, regions)  # while the first call is on its way
    identity = ctx.identity()
    started = datetime.now(UTC)

    def waiting(what: str) -> None:
        if progress:
            progress(AuditProgress("wait", 0, 0, what))

    inventory = Inventory(ctx, regions, now=started, changed_since=changed_since, waiting=waiting)
    reads = _planned_reads(controls, regions)
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="audit") as pool:
        read_jobs: dict[Future[object], str] = {
            pool.submit(_swallow, inventory.prefetch, name, region): f"{name} {region or 'global'}"
            for name, region in reads
        }
        _run_all(pool, read_jobs, "read", progress, cancel)
        check_jobs = {pool.submit(_check_noting_reads, CHECKS[c.id], inventory): c.id for c in controls}
        _run_all(pool, check_jobs, "check", progress, cancel)  # type: ignore[arg-type]
        checked = {check_jobs[f]: f.result() for f in check_jobs}
    results = [ControlResult(c, checked[c.id][0]) for c in controls]
    used_reads = {control_id: used for control_id, (_, used) in checked.items()}
    return AuditResult(identity, regions, started, datetime.now(UTC), ctx.api_calls, results, inventory, used_reads)


def _check_noting_reads(check: Check, inventory: Inventory) -> tuple[Finding, ReadLog]:
    with recording_reads() as reads:
        return run_check(check, inventory), reads


def _swallow(function: Callable[..., object], *args: object) -> None:
    """Prefetch errors are kept in the read cache and reported by the checks that need the read."""
    try:
        function(*args)
    except Exception:
        return
