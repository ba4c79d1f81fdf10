"""The walk of `cis-wizard checklist ID`: a guided checklist in a plain terminal, for a serial console or a
screen reader where the full-screen app does not fit (the command around it: `terminal.checklist_command`;
what it prints: `terminal.checklist_output`). questionary, rich and actions/ are imported inside functions,
so that building the command line stays quick and importing this module stays headless.

The same state as the TUI: the steps done, attestations and waivers are kept per account beside the audit
log (`actions.checklists.ChecklistRun`, `wizard.state.waivers.WaiverBook`), so either picks up where the other
stopped. Choices are numbered lists (type the number, then Enter): they read well on a screen reader and
need no arrow keys on a serial line. Nothing here changes AWS; what it records (steps done, verifications,
attestations, waivers) goes to the audit log. Findings, waivers and names are printed inert
(`wizard.inert_text`): as rich Text, with control characters shown.

Exit codes: 0 the checklist is complete (by check or attestation), or the control passes, or a waiver was
recorded; 3 stopped with the control still unresolved; 2 bad usage or no terminal; 130 Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from terminal.checklist_output import ChecklistPrinter
from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError
from wizard.inert_text import inert, inert_text

if TYPE_CHECKING:
    from rich.console import Console

    from actions.checklists import Checklist, ChecklistRun, ChecklistStep, Verification
    from wizard.audit.findings import Finding
    from wizard.audit_log.writer import AuditLog
    from wizard.aws.context import AwsContext
    from wizard.state.progress import SessionProgress
    from wizard.state.waivers import WaiverBook


class Prompts:
    """The questions, through questionary; `input`/`output` are prompt_toolkit's (tests pass a pipe)."""

    def __init__(self, input: Any = None, output: Any = None) -> None:
        self._io = {key: value for key, value in (("input", input), ("output", output)) if value is not None}

    def choose(self, message: str, choices: list[tuple[str, str]]) -> str:
        import questionary

        options = [questionary.Choice(title, value=value) for value, title in choices]
        return str(questionary.rawselect(message, choices=options, **self._io).unsafe_ask())

    def text(self, message: str, default: str = "", validate: Callable[[str], bool | str] | None = None) -> str:
        import questionary

        return str(questionary.text(message, default=default, validate=validate, **self._io).unsafe_ask()).strip()

    def confirm(self, message: str, default: bool = False) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=default, **self._io).unsafe_ask())


@dataclass
class ChecklistContext:
    """Everything a walk needs: the AWS side, and the account's log, progress and waivers."""

    ctx: AwsContext
    regions: list[str]
    log: AuditLog
    progress: SessionProgress
    book: WaiverBook
    driver: str | None = None
    attestation_name: str | None = None


def _not_blank(what: str) -> Callable[[str], bool | str]:
    return lambda text: bool(text.strip()) or f"{what} is needed"


class PlainChecklist:
    """One control, walked in the terminal: steps, verify, then complete by check or attestation, or waive."""

    def __init__(
        self,
        control_id: str,
        session: ChecklistContext,
        prompts: Prompts,
        console: Console,
        *,
        waive: bool = False,
        restart: bool = False,
        today: dt.date | None = None,
    ) -> None:
        from actions.checklists import has_checklist

        self.control_id = control_id
        self.session = session
        self.prompts = prompts
        self.console = console
        self.out = ChecklistPrinter(console)
        self.waive = waive
        self.restart = restart
        self.today = today
        self.checklist: Checklist | None = None
        if has_checklist(control_id):
            from actions.checklists import get_checklist

            self.checklist = get_checklist(control_id)
        self.run: ChecklistRun | None = None
        self.recorded: list[str] = []  # beyond the run's own: waivers, expiries

    # -- the walk ------------------------------------------------------------------------------------------
    def walk(self) -> int:
        self._expire_waivers()
        if self.checklist is None:
            return self._waive_without_checklist()
        from actions.checklists import ChecklistRun

        s = self.session
        self.run = ChecklistRun.open(
            self.control_id, ctx=s.ctx, regions=s.regions, log=s.log, progress=s.progress, driver=s.driver
        )
        self.out.header(self.checklist)
        if self.restart:
            self.run.restart()
        verification = self._verify(f"Checking {self.checklist.completion.check} now ...")
        if self.waive:
            return self._waive(verification.finding)
        if verification.complete:
            return self._complete(verification)
        self.out.resume_note(self.checklist, self.run.steps_done())
        for step in self.run.remaining_steps():
            decided = self._step(self.checklist, step)
            if decided is not None:
                return decided
        return self._finish()

    def _step(self, checklist: Checklist, step: ChecklistStep) -> int | None:
        """Show one step and ask until it is done (None: go on) or the walk ends (an exit code)."""
        assert self.run is not None
        number, total = checklist.step_number(step.id), len(checklist.steps)
        self.out.step(self.run, step, number, total, self.session.ctx.endpoint_url)
        check = checklist.completion.check
        while True:
            choice = self.prompts.choose(
                f"Step {number} of {total}:",
                [
                    ("done", "Done: next step"),
                    ("verify", f"Verify now (run check {check} again)"),
                    ("waive", "Waive this control (a reason, an owner, an expiry date)"),
                    ("stop", "Stop here (the steps done are kept)"),
                ],
            )
            if choice == "done":
                self.run.mark_step_done(step.id)
                return None
            if choice == "waive":
                return self._waive(self.run.verification.finding if self.run.verification else None)
            if choice == "stop":
                return self._stopped()
            verification = self._verify(f"Checking {check} again ...")
            if verification.complete:
                return self._complete(verification)

    def _finish(self) -> int:
        assert self.run is not None and self.checklist is not None
        check = self.checklist.completion.check
        verification = self._verify(f"All steps are done. Checking {check} ...")
        while True:
            if verification.complete:
                return self._complete(verification)
            choices = [("verify", "Verify again")]
            if verification.can_attest:
                decided = self._attest()
                if decided is not None:
                    return decided
                choices.insert(0, ("attest", "Attest after all"))
            choice = self.prompts.choose(
                "What now?",
                [*choices, ("waive", "Waive this control"), ("stop", "Stop here (the steps done are kept)")],
            )
            if choice == "waive":
                return self._waive(verification.finding)
            if choice == "stop":
                return self._stopped()
            if choice == "verify":
                verification = self._verify(f"Checking {check} again ...")

    # -- attest, waive ---------------------------------------------------------------------------------------
    def _attest(self) -> int | None:
        """Ask for the name and statement; record the attestation (exit 0), or None if the person declines."""
        assert self.run is not None and self.checklist is not None
        completion = self.checklist.completion
        s = self.session
        self.console.print(
            inert_text(
                "Attest: your name and statement go in the audit log with the time and your AWS identity "
                f"({s.log.caller_arn}).",
                style="bold",
            )
        )
        name = self.prompts.text(
            "Your full name (the person attesting):",
            default=s.attestation_name or s.driver or "",
            validate=_not_blank("A name"),
        )
        statement = self.prompts.text(
            "Statement:", default=completion.statement or "", validate=_not_blank("A statement")
        )
        if not self.prompts.confirm(f"Record this attestation by {inert(name)} in the audit log?", default=False):
            self.console.print("Not recorded.")
            return None
        self.run.attest(name, statement)
        verification = self.run.verification
        assert verification is not None
        return self._complete(verification)

    def _waive(self, finding: Finding | None) -> int:
        from wizard.state.progress import PASSING
        from wizard.state.waivers import default_expiry, latest_expiry, parse_expiry, utc_today

        if finding is not None and finding.status in PASSING:
            self.console.print(f"{self.control_id} is {finding.status.value}: there is nothing to waive.")
            return EXIT_OK
        day = self.today or utc_today()
        current = self.session.book.get(self.control_id)
        if current is not None:
            state = "expired" if current.is_expired(day) else "in force"
            self.console.print(
                inert_text(
                    f"The current waiver ({state}): {current.reason}; owner {current.owner}; "
                    f"expires {current.expires.isoformat()}. What you enter now replaces it.",
                    style="yellow",
                )
            )
        status = finding.status.value if finding is not None else "failing"
        self.console.print(
            f"A waiver does not make {self.control_id} pass: every audit still says {status}, marked as waived "
            "until the expiry date; then it counts again."
        )

        def valid_expiry(text: str) -> bool | str:
            try:
                parse_expiry(text, day)
            except UsageError as error:
                return str(error)
            return True

        reason = self.prompts.text("Why is it acceptable for now?", validate=_not_blank("A reason"))
        owner = self.prompts.text(
            "Owner (who answers for it):", default=self.session.driver or "", validate=_not_blank("An owner")
        )
        expiry_text = self.prompts.text(
            f"Expires on (YYYY-MM-DD, {latest_expiry(day).isoformat()} at the latest):",
            default=default_expiry(day).isoformat(),
            validate=valid_expiry,
        )
        expires = parse_expiry(expiry_text, day)
        if not self.prompts.confirm(f"Record this waiver of {self.control_id} until {expires}?", default=False):
            self.console.print("Not recorded.")
            return EXIT_FAILED
        if self.run is not None:
            waiver = self.run.waive(self.session.book, reason=reason, owner=owner, expires=expires, today=day)
        else:
            waiver = self.session.book.grant(
                self.session.log, self.control_id, reason=reason, owner=owner, expires=expires, today=day
            )
            self.recorded.append(f"waiver until {waiver.expires.isoformat()}")
        self.out.panel(
            f"{self.control_id} waived until {waiver.expires.isoformat()} (owner {waiver.owner}). "
            "The waiver is in the audit log and shown by every audit.",
            style="yellow",
        )
        return EXIT_OK

    def _waive_without_checklist(self) -> int:
        from actions.checklists import load_checklists, verify_now

        if not self.waive:  # checked before connecting; kept for callers that build the walk directly
            raise UsageError(f"{self.control_id} has no guided checklist (checklists: {', '.join(load_checklists())}).")
        self.console.print(f"Checking {self.control_id} now ...")
        finding = verify_now(self.session.ctx, self.session.regions, self.control_id)
        self.out.finding(finding)
        return self._waive(finding)

    def _expire_waivers(self) -> None:
        for waiver in self.session.book.expire_due(self.session.log, self.today):
            self.recorded.append(f"the expiry of {waiver.control_id}'s waiver")
            self.console.print(
                f"The waiver of {waiver.control_id} expired on {waiver.expires.isoformat()}: recorded in the audit log."
            )

    # -- endings ---------------------------------------------------------------------------------------------
    def _complete(self, verification: Verification) -> int:
        self.out.panel(f"{self.control_id} complete. {verification.message}", style="green")
        return EXIT_OK

    def _stopped(self) -> int:
        assert self.run is not None and self.checklist is not None
        done, total = len(self.run.steps_done()), len(self.checklist.steps)
        self.console.print(
            f"Stopped: {done} of {total} steps done, kept for the next run "
            f"(`cis-wizard checklist {self.control_id}`, or the wizard's checklist screen)."
        )
        return EXIT_FAILED

    def cancelled_message(self) -> str:
        recorded = [*(self.run.recorded if self.run else []), *self.recorded]
        if not recorded:
            return "Cancelled. No changes were made."
        return f"Cancelled. Recorded before that: {'; '.join(recorded)}. No AWS change was made."

    # -- verify ------------------------------------------------------------------------------------------------
    def _verify(self, label: str) -> Verification:
        assert self.run is not None
        self.console.print(label)
        verification = self.run.verify()
        self.out.finding(verification.finding)
        if verification.can_attest:
            self.console.print("The check cannot confirm this: an attestation completes the checklist.")
        elif verification.attested is not None:
            self.console.print(inert_text(verification.message))
        return verification
