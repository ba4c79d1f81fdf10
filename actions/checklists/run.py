"""Walking a checklist: steps marked done, "verify now" with fresh reads, completion by check or attestation.

One API for the TUI's checklist screen and for `cis-wizard checklist` (same log records, same progress file):

    run = ChecklistRun.open("1.14", ctx=ctx, regions=regions, log=log, progress=progress, driver="Dana")
    for step in run.remaining_steps():          # ChecklistStep: title, text, run.link(step), warnings
        run.mark_step_done(step.id)             # a `checklist` record; progress saved for the next run
    verification = run.verify()                 # blocking (AWS reads): run it in a worker thread
    if verification.complete: ...               # the check passes (or an earlier attestation still covers it)
    elif verification.can_attest:
        run.attest("Dana Smith", run.checklist.completion.statement)   # an `attestation` record
    else: ...                                   # still failing: keep going, or run.waive(book, ...)

Everything recorded goes to the audit log the caller opened (and, for a session, wrapped in `log.session()`).
`run.recorded` lists, in words, what this run has written, for "Cancelled. ..." messages.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from actions.checklists.model import Checklist, ChecklistStep, get_checklist
from wizard.audit.findings import Finding, ResourceResult, Status
from wizard.audit.run import run_audit
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.writer import AuditLog
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog
from wizard.errors import UsageError
from wizard.plans.model import ApiCall
from wizard.state.entered_text import entered_text
from wizard.state.progress import Attested, SessionProgress, open_resource_ids
from wizard.state.waivers import Waiver, WaiverBook, WaiverError

MAX_NAME: Final = 100
MAX_STATEMENT: Final = 1000
SHOWN_RESOURCES: Final = 50  # resources copied into a log record; the VERIFY record holds them all
_LOCAL_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class ChecklistStateError(UsageError):
    """An action the checklist does not allow now: attesting before a verify, or where the check decides."""


def verify_now(ctx: AwsContext, regions: Sequence[str], control_id: str) -> Finding:
    """The control's check, run again with fresh reads (a one-control audit): never a cached verdict."""
    result = run_audit(ctx, [load_catalog().get(control_id)], list(regions))
    return result.results[0].finding


class VerifyOutcome(enum.StrEnum):
    COMPLETE = "complete"  # the check passes, or an earlier attestation still covers the finding
    ATTEST = "attest"  # the check shows what only a person can confirm: an attestation completes it
    NOT_YET = "not-yet"  # still failing (or unreadable): keep going, or waive


@dataclass(frozen=True)
class Verification:
    """What "verify now" found, and what it means for the checklist."""

    finding: Finding
    outcome: VerifyOutcome
    message: str  # one line for people
    at: dt.datetime
    attested: Attested | None = None  # set when an earlier attestation is what completes it

    @property
    def complete(self) -> bool:
        return self.outcome is VerifyOutcome.COMPLETE

    @property
    def can_attest(self) -> bool:
        return self.outcome is VerifyOutcome.ATTEST

    @property
    def open_resources(self) -> tuple[ResourceResult, ...]:
        """The resources still to act on or to review (4.4's routes, 1.2's users), as ResourceResults."""
        return tuple(r for r in self.finding.resources if r.status not in (Status.PASS, Status.NOT_APPLICABLE))


def evaluate(checklist: Checklist, finding: Finding, attested: Attested | None) -> tuple[VerifyOutcome, str]:
    """The completion rule: (outcome, one line saying why)."""
    completion = checklist.completion
    if completion.completes_by_check(finding):
        return VerifyOutcome.COMPLETE, f"Check {completion.check} is {finding.status.value}: {finding.summary}"
    if completion.accepts_attestation and attested is not None and attested.covers(finding):
        return VerifyOutcome.COMPLETE, f"Attested by {attested.by} at {attested.at}."
    if completion.allows_attestation(finding):
        return VerifyOutcome.ATTEST, f"{finding.summary} An attestation completes this checklist."
    return VerifyOutcome.NOT_YET, f"Check {completion.check} is {finding.status.value}: {finding.summary}"


def _finding_payload(finding: Finding) -> dict[str, Any]:
    return {
        "status": finding.status.value,
        "summary": finding.summary,
        "error_code": finding.error_code,
        "resources": [r.to_dict() for r in finding.resources[:SHOWN_RESOURCES]],
        "resources_total": len(finding.resources),
    }


def _clean(text: str, what: str, limit: int) -> str:
    return entered_text(text, what, limit, record="an attestation", refuse=ChecklistStateError)


class ChecklistRun:
    """One person working through one control's checklist. Thread-safe: `verify` may run in a worker."""

    def __init__(
        self,
        checklist: Checklist,
        *,
        ctx: AwsContext,
        regions: Sequence[str],
        log: AuditLog,
        progress: SessionProgress,
    ) -> None:
        if log.account_id != progress.account_id:
            raise UsageError(f"the audit log is account {log.account_id}'s, the progress {progress.account_id}'s.")
        self.checklist = checklist
        self.ctx = ctx
        self.regions = list(regions)
        self.log = log
        self.progress = progress
        self.verification: Verification | None = None
        self.completed_by: str | None = None  # "check" | "attestation", once this run completed it
        self.recorded: list[str] = []  # what this run wrote, in words
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        control_id: str,
        *,
        ctx: AwsContext,
        regions: Sequence[str],
        log: AuditLog,
        progress: SessionProgress,
        driver: str | None = None,
    ) -> ChecklistRun:
        """The control's checklist (UnknownChecklistError if it has none), remembered as the session's place."""
        checklist = get_checklist(control_id)
        progress.visit(checklist.control_id, driver)
        return cls(checklist, ctx=ctx, regions=regions, log=log, progress=progress)

    @property
    def control_id(self) -> str:
        return self.checklist.control_id

    # -- steps -----------------------------------------------------------------------------------------
    def steps_done(self) -> dict[str, str]:
        """Step id -> when it was marked done (UTC), this run or an earlier one, by anyone on this account;
        in the checklist's order."""
        done = self.progress.steps_done(self.control_id)
        return {s.id: done[s.id] for s in self.checklist.steps if s.id in done}

    def is_step_done(self, step_id: str) -> bool:
        return step_id in self.steps_done()

    def remaining_steps(self) -> list[ChecklistStep]:
        done = self.steps_done()
        return [s for s in self.checklist.steps if s.id not in done]

    def next_step(self) -> ChecklistStep | None:
        remaining = self.remaining_steps()
        return remaining[0] if remaining else None

    def mark_step_done(self, step_id: str) -> Record | None:
        """Record the step as done (a `checklist` record) and save progress; None if it already was."""
        step = self.checklist.step(step_id)
        with self._lock:
            if self.is_step_done(step_id):
                return None
            number, total = self.checklist.step_number(step_id), len(self.checklist.steps)
            written = self.log.record(
                Kind.CHECKLIST,
                {
                    "action": "step-done",
                    "step": step.id,
                    "summary": f"step {number} of {total} done: {step.title}",
                },
                control_id=self.control_id,
            )
            self.progress.mark_step_done(self.control_id, step_id, written.when)
            self.recorded.append(f"step {number} ({step.title}) marked done")
            return written

    def restart(self) -> None:
        """Start the steps over (their earlier `checklist` records stay in the log)."""
        with self._lock:
            self.progress.restart(self.control_id)
            self.log.record(Kind.CHECKLIST, {"action": "restarted", "summary": "steps started over"}, self.control_id)
            self.recorded.append("the steps were started over")

    # -- where the steps point ----------------------------------------------------------------------------
    def link_region(self) -> str:
        """The region the console links open in: that of the first open resource seen, else the home region."""
        if self.verification is not None:
            for resource in self.verification.open_resources:
                if resource.region and resource.region != "global":
                    return str(resource.region)
        return self.ctx.home_region

    def link(self, step: ChecklistStep) -> str | None:
        return step.link_for(self.link_region())

    def sandbox_call(self, step: ChecklistStep) -> ApiCall | None:
        """Against a local endpoint (the sandbox) only: the API call that stands in for this console step."""
        if step.sandbox is None or not self.ctx.endpoint_url:
            return None
        if (urlsplit(self.ctx.endpoint_url).hostname or "") not in _LOCAL_HOSTS:
            return None
        identity = self.ctx.identity()
        return step.sandbox.api_call(
            account_id=identity.account_id, region=self.ctx.home_region, partition=self.ctx.partition
        )

    # -- verify, then attest ------------------------------------------------------------------------------
    def verify(self) -> Verification:
        """Run the check again with fresh reads, record what it saw (`verify`), and complete by check if it
        passes (`checklist` completed). Blocking: AWS reads."""
        check = self.checklist.completion.check
        finding = verify_now(self.ctx, self.regions, check)
        with self._lock:
            attested = self.progress.attestation(self.control_id)
            outcome, message = evaluate(self.checklist, finding, attested)
            self.log.record(
                Kind.VERIFY,
                {**_finding_payload(finding), "via": "checklist", "outcome": outcome.value},
                control_id=self.control_id,
            )
            by_attestation = outcome is VerifyOutcome.COMPLETE and not self.checklist.completion.completes_by_check(
                finding
            )
            self.verification = Verification(
                finding, outcome, message, dt.datetime.now(dt.UTC), attested if by_attestation else None
            )
            if outcome is VerifyOutcome.COMPLETE and not by_attestation and self.completed_by is None:
                self._record_completion("check", finding, {})
        return self.verification

    def attest(self, name: str, statement: str) -> Record:
        """A named person's attestation (an `attestation` record: name, statement, the finding it covers; the
        record carries the time, the caller's ARN and the local user). Needs a verify in this run whose
        finding an attestation may complete; ChecklistStateError otherwise."""
        name = _clean(name, "the name of the person attesting", MAX_NAME)
        statement = _clean(statement, "a statement", MAX_STATEMENT)
        with self._lock:
            verification = self.verification
            if verification is None:
                raise ChecklistStateError(
                    f"verify {self.control_id} first: an attestation covers what the check shows."
                )
            if not verification.can_attest:
                rule = self.checklist.completion.note
                raise ChecklistStateError(f"{self.control_id} cannot be attested now ({verification.message}) {rule}")
            finding = verification.finding
            written = self.log.record(
                Kind.ATTESTATION,
                {
                    "by": name,
                    "statement": statement,
                    "checklist": self.checklist.title,
                    "finding": _finding_payload(finding),
                    "open_resources": list(open_resource_ids(finding)),  # all of them: the finding shows 20
                    "verified_at": verification.at.isoformat(),
                    "steps_done": list(self.steps_done()),
                },
                control_id=self.control_id,
            )
            # As the signed record has it (a redacted name or statement included), so that it matches the log.
            attested = Attested.from_record(written)
            if attested is None:
                raise ChecklistStateError(f"the attestation of {self.control_id} was written but does not read back")
            self.progress.record_attestation(self.control_id, attested)
            self.recorded.append(f"attestation by {name}")
            self._record_completion("attestation", finding, {"attestation_seq": written.seq})
            self.verification = Verification(
                finding, VerifyOutcome.COMPLETE, f"Attested by {name} at {written.time}.", verification.at, attested
            )
            return written

    def waive(
        self, book: WaiverBook, *, reason: str, owner: str, expires: dt.date, today: dt.date | None = None
    ) -> Waiver:
        """Skip the control with a waiver (granted or changed, in the log). Refused while the check passes."""
        with self._lock:
            if self.verification is not None and self.checklist.completion.completes_by_check(
                self.verification.finding
            ):
                raise WaiverError(f"{self.control_id} passes: there is nothing to waive.")
            waiver = book.grant(self.log, self.control_id, reason=reason, owner=owner, expires=expires, today=today)
            self.recorded.append(f"waiver until {waiver.expires.isoformat()}")
            return waiver

    def _record_completion(self, how: str, finding: Finding, extra: dict[str, Any]) -> None:
        self.log.record(
            Kind.CHECKLIST,
            {
                "action": "completed",
                "status": "complete",
                "by": how,
                "summary": f"completed by {how}: check {self.checklist.completion.check} is {finding.status.value}",
                "finding_status": finding.status.value,
                "steps_done": list(self.steps_done()),
                **extra,
            },
            control_id=self.control_id,
        )
        self.completed_by = how
        self.recorded.append(f"completion by {how}")
