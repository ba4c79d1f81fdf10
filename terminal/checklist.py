"""`cis-wizard checklist ID`: a guided checklist in a plain terminal, for a serial console or a screen reader
where the full-screen app does not fit. Part of the command-line composition root: questionary, rich and
actions/ are imported inside functions, so importing `wizard` stays headless.

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

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

EXIT_CANCELLED = 130
SHOWN_RESOURCES = 20
NO_TERMINAL = "`cis-wizard checklist` asks questions: run it in a terminal (standard input and output must be a TTY)."


def add_checklist_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "control", help="the control: 1.1, 1.2, 1.12-1.15, 1.17, 1.19 or 4.4 (any control with --waive)"
    )
    parser.add_argument(
        "--waive", action="store_true", help="skip the control with a waiver: a reason, an owner and an expiry date"
    )
    parser.add_argument("--restart", action="store_true", help="start the steps over (what was recorded stays)")


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
        self._header(self.checklist)
        if self.restart:
            self.run.restart()
        verification = self._verify(f"Checking {self.checklist.completion.check} now ...")
        if self.waive:
            return self._waive(verification.finding)
        if verification.complete:
            return self._complete(verification)
        self._resume_note(self.checklist)
        for step in self.run.remaining_steps():
            decided = self._step(self.checklist, step)
            if decided is not None:
                return decided
        return self._finish()

    def _step(self, checklist: Checklist, step: ChecklistStep) -> int | None:
        """Show one step and ask until it is done (None: go on) or the walk ends (an exit code)."""
        assert self.run is not None
        number, total = checklist.step_number(step.id), len(checklist.steps)
        self._show_step(step, number, total)
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
        self._panel(
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
        self._show_finding(finding)
        return self._waive(finding)

    def _expire_waivers(self) -> None:
        for waiver in self.session.book.expire_due(self.session.log, self.today):
            self.recorded.append(f"the expiry of {waiver.control_id}'s waiver")
            self.console.print(
                f"The waiver of {waiver.control_id} expired on {waiver.expires.isoformat()}: recorded in the audit log."
            )

    # -- endings ---------------------------------------------------------------------------------------------
    def _complete(self, verification: Verification) -> int:
        self._panel(f"{self.control_id} complete. {verification.message}", style="green")
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

    # -- output ------------------------------------------------------------------------------------------------
    def _header(self, checklist: Checklist) -> None:
        from rich.text import Text

        from wizard.catalog import load_catalog

        control = load_catalog().get(checklist.control_id)
        self.console.rule(Text(f"{control.id} {control.title}", style="bold"), align="left")
        self.console.print(Text(checklist.title, style="bold"))
        self.console.print(Text(checklist.summary))
        self.console.print(Text(checklist.completion.note, style="italic"))
        for warning in checklist.warnings:
            self.console.print(Text.assemble(("Warning: ", "bold yellow"), warning))

    def _resume_note(self, checklist: Checklist) -> None:
        assert self.run is not None
        done = self.run.steps_done()
        if done:
            last = max(done.values())[:16].replace("T", " ")
            self.console.print(
                f"Resuming: {len(done)} of {len(checklist.steps)} steps were done before (last at {last} UTC)."
            )

    def _show_step(self, step: ChecklistStep, number: int, total: int) -> None:
        from rich.text import Text

        assert self.run is not None
        self.console.rule(Text(f"Step {number} of {total}: {step.title}", style="bold"), align="left")
        self.console.print(Text(step.text))
        link = self.run.link(step)
        if link:
            self.console.print(Text.assemble(("Open: ", "bold"), (link, f"link {link}")))
        for warning in step.warnings:
            self.console.print(Text.assemble(("Warning: ", "bold yellow"), warning))
        call = self.run.sandbox_call(step)
        if call is not None:
            command = f"{call.cli()} --endpoint-url {self.session.ctx.endpoint_url}"
            self.console.print(Text.assemble(("Sandbox: ", "bold cyan"), f"{call.purpose}. Run:"))
            self.console.print(inert_text(f"  {command}"), soft_wrap=True)

    def _verify(self, label: str) -> Verification:
        assert self.run is not None
        self.console.print(label)
        verification = self.run.verify()
        self._show_finding(verification.finding)
        if verification.can_attest:
            self.console.print("The check cannot confirm this: an attestation completes the checklist.")
        elif verification.attested is not None:
            self.console.print(inert_text(verification.message))
        return verification

    def _show_finding(self, finding: Finding) -> None:
        from rich.text import Text

        from wizard.audit.reports import status_text
        from wizard.state.progress import PASSING

        self.console.print(
            Text.assemble(f"{finding.control_id}: ", status_text(finding.status), " ", inert_text(finding.summary))
        )
        shown = [r for r in finding.resources if r.status not in PASSING]
        for resource in shown[:SHOWN_RESOURCES]:
            where = f" ({resource.region})" if resource.region and resource.region != "global" else ""
            self.console.print(inert_text(f"  - {resource.id}{where}: {resource.reason}"))
        if len(shown) > SHOWN_RESOURCES:
            self.console.print(f"  ... and {len(shown) - SHOWN_RESOURCES} more (see `cis-wizard audit`).")

    def _panel(self, message: str, style: str) -> None:
        from rich import box
        from rich.panel import Panel

        self.console.print(Panel(inert_text(message), box=box.ASCII, border_style=style))


def _check_control(control_id: str, waive: bool) -> str:
    """The control id as the catalog spells it; bad usage fails here, before any AWS call."""
    from actions.checklists import has_checklist, load_checklists
    from wizard.catalog import UnknownControlError, load_catalog

    try:
        control = load_catalog().get(control_id)
    except UnknownControlError as error:
        raise UsageError(str(error)) from error
    if not waive and not has_checklist(control.id):
        how = f"`cis-wizard apply --controls {control.id}`" if control.fix == "auto" else "its remediation text"
        raise UsageError(
            f"{control.id} has no guided checklist (checklists: {', '.join(load_checklists())}); it is fixed "
            f"with {how}. To skip it instead, add --waive."
        )
    return control.id


def run_checklist_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from terminal.fix import session_answers
    from wizard.audit_log.writer import AuditLog
    from wizard.aws.context import AwsContext
    from wizard.cli import aws_settings
    from wizard.state.progress import SessionProgress
    from wizard.state.waivers import WaiverBook

    control_id = _check_control(args.control, args.waive)
    answers = session_answers(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(NO_TERMINAL)
    ctx = AwsContext(aws_settings(args))
    identity = ctx.identity()
    regions = ctx.resolve_regions()
    log_path = Path(args.log) if getattr(args, "log", None) else None
    progress = SessionProgress.load(identity.account_id, log_path)
    book = WaiverBook.load(identity.account_id, log_path)
    log = AuditLog.open(identity.account_id, identity.arn, log_path)
    session = ChecklistContext(ctx, regions, log, progress, book, answers.driver, answers.attestation_name)
    walk = PlainChecklist(control_id, session, Prompts(), Console(), waive=args.waive, restart=args.restart)
    start: dict[str, Any] = {"command": "checklist", "control": control_id, "regions": regions}
    if answers.driver:
        start["driver"] = answers.driver
    try:
        with log.session(start):
            return walk.walk()
    except KeyboardInterrupt:
        sys.stderr.write(walk.cancelled_message() + "\n")
        return EXIT_CANCELLED
    finally:
        log.close()
