"""Verify each control as soon as every plan that fixes it has finished, while the other plans still run.

A control fixed by one early plan (the password policy) need not wait for the last alarm to be put; the checks
of different controls then run beside the remaining calls, and the run ends soon after its last plan. Controls
that become ready within COALESCE_SECONDS of each other are checked together (one audit reads what they share
once); each batch is an audit of its own, with fresh reads, and the batches are merged in benchmark order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from actions.workflow import verify_controls
from wizard.audit.findings import Status
from wizard.audit.run import AuditResult
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog
from wizard.plans.model import Plan

COALESCE_SECONDS = 0.5


class EarlyVerifier:
    def __init__(self, ctx: AwsContext, regions: list[str], plans: Iterable[Plan], changed_since: datetime) -> None:
        self.ctx, self.regions, self.changed_since = ctx, regions, changed_since
        self._waiting_on: dict[str, set[str]] = {}
        for plan in plans:
            for control_id in plan.control_ids:
                self._waiting_on.setdefault(control_id, set()).add(plan.id)
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="verify")
        self._batches: list[Future[AuditResult]] = []
        self._ready: list[str] = []
        self._timer: threading.Timer | None = None

    def plan_finished(self, plan_id: str) -> None:
        """Check the controls whose last plan this was (in a background thread)."""
        with self._lock:
            ready = []
            for control_id, plans in self._waiting_on.items():
                if plan_id in plans:
                    plans.discard(plan_id)
                    if not plans:
                        ready.append(control_id)
            for control_id in ready:
                del self._waiting_on[control_id]
            self._ready += ready
            if ready and self._timer is None:
                self._timer = threading.Timer(COALESCE_SECONDS, self._flush)
                self._timer.daemon = True
                self._timer.start()

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            ready, self._ready = self._ready, []
            if ready:
                self._batches.append(
                    self._pool.submit(verify_controls, self.ctx, ready, self.regions, self.changed_since)
                )

    def results(self) -> AuditResult | None:
        """Every batch, merged (the controls of plans that never finished are checked now)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            left = [*self._ready, *self._waiting_on]
            self._ready = []
            self._waiting_on.clear()
            if left:
                self._batches.append(
                    self._pool.submit(verify_controls, self.ctx, left, self.regions, self.changed_since)
                )
            batches = [batch.result() for batch in self._batches]
            early = batches[:-1] if left else batches
            # A control checked early may still have been changed by a plan that ran later (2.7's new key before
            # its rotation is on, for 2.8): whatever did not pass early is checked again, now that all is done.
            again = [r.control.id for batch in early for r in batch.results if r.finding.status is not Status.PASS]
            if again:
                batches.append(verify_controls(self.ctx, again, self.regions, self.changed_since))
        self._pool.shutdown()
        if not batches:
            return None
        order = {control.id: index for index, control in enumerate(load_catalog())}
        latest = {r.control.id: r for batch in batches for r in batch.results}  # later batches win
        merged = sorted(latest.values(), key=lambda r: order[r.control.id])
        return AuditResult(
            identity=batches[0].identity,
            regions=batches[0].regions,
            started_at=min(b.started_at for b in batches),
            finished_at=max(b.finished_at for b in batches),
            api_calls=sum(b.api_calls for b in batches),
            results=merged,
            inventory=batches[-1].inventory,
        )
