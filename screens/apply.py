"""Apply: each plan's progress and each call's result, AWS errors explained, then the controls' new status.

The plans run through the one apply engine: only plans whose calls are exactly the ones confirmed run; a plan
the engine finds changed when it reads the account again is shown in a new confirm before it runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from screens.widgets import connected_session, notify_inert, status_text, top_bar
from wizard.checks.section_3_monitoring import waits_for_a_person
from wizard.inert_text import inert, inert_text
from wizard.plans.executor import StepStatus
from wizard.plans.model import Plan

# What common AWS error codes mean, in words.
ERROR_EXPLANATIONS = {
    "AccessDenied": "the identity the wizard runs as is not allowed to make this call",
    "AccessDeniedException": "the identity the wizard runs as is not allowed to make this call",
    "UnauthorizedOperation": "the identity the wizard runs as is not allowed to make this call",
    "ThrottlingException": "AWS asked the wizard to slow down, even after retries",
    "Throttling": "AWS asked the wizard to slow down, even after retries",
    "EntityAlreadyExists": "something with this name already exists",
    "BucketAlreadyExists": "that bucket name is taken by another account",
    "InvalidPermission.NotFound": "the rule was already removed",
    "LimitExceeded": "an account limit was reached",
    "EndpointConnectionError": "the AWS endpoint could not be reached",
}


def confirmed_only(plans: list[Plan], how: str) -> Any:
    """The engine's confirm for plans confirmed on screen: exactly those calls, nothing else."""
    from actions.workflow import Decision

    signatures = {plan.signature() for plan in plans}

    def confirm(plan: Plan) -> Decision:
        if plan.signature() in signatures:
            return Decision(True, how)
        return Decision(False, "not the calls confirmed on screen")

    return confirm


class ApplyScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    @dataclass
    class Progress(Message):
        event: Any  # actions.apply_engine.ApplyEvent

    def __init__(self, title: str, selection: Any, plans: list[Plan], how: str = "confirmed in the wizard") -> None:
        super().__init__()
        self.heading = title
        self.selection = selection
        self.plans = plans
        self.how = how
        self.report: Any = None
        self.waiting: list[str] = []  # controls that wait for a person (a subscription to confirm)
        self._lines: dict[str, Text] = {}
        self._progress = Text()

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static(inert_text(f"Applying: {self.heading}…"), classes="title", id="apply-title")
        yield Static(id="apply-progress")
        with VerticalScroll():
            yield Static(id="steps")
            yield Static(id="result")
        with Horizontal(classes="buttons"):
            yield Button("Back", id="back", disabled=True)
            yield Button("Undo what ran", id="undo", variant="warning")
            yield Button("Verify again", id="verify-again")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def outcomes(self) -> list[Any]:
        return self.report.outcomes if self.report is not None else []

    def on_mount(self) -> None:
        self.query_one("#undo", Button).display = False
        self.query_one("#verify-again", Button).display = False
        for plan in self.plans:
            self._wait_lines(plan)
        self._render_steps()
        self._run()

    def _wait_lines(self, plan: Plan) -> None:
        for step in plan.steps:
            self._lines[f"{plan.id}/{step.id}"] = inert_text(f"  waiting  {step.cli()}", style="dim")

    def _render_steps(self) -> None:
        text = Text()
        for line in self._lines.values():
            text.append_text(line)
            text.append("\n")
        self.query_one("#steps", Static).update(text)

    def _ask_again(self, old: Plan, new: Plan) -> Any:
        """The engine found the plan changed: show the new calls in a confirm, from the worker thread."""
        from actions.workflow import Decision
        from screens.confirm import ConfirmScreen

        answered = threading.Event()
        answer: list[bool] = []

        def done(value: bool | None) -> None:
            answer.append(bool(value))
            answered.set()

        session = connected_session(self)
        intro = f"The account changed since the plan for {', '.join(old.control_ids)} was shown. Its calls now:"
        self.app.call_from_thread(self.app.push_screen, ConfirmScreen([new], session.account_id, intro=intro), done)
        answered.wait()
        return Decision(answer[0], "confirmed again in the wizard" if answer[0] else "declined in the wizard")

    def engine_confirm(self) -> Any:
        """How the engine's confirm is answered: exactly the plans confirmed on screen run."""
        return confirmed_only(self.plans, self.how)

    def summary(self, report: Any) -> Text:
        """What the result ends with: each control's new status, and why any is left failing."""
        session = connected_session(self)
        text = Text()
        for control_id in dict.fromkeys(c for plan in self.plans for c in plan.control_ids):
            status = session.status(control_id)
            if status is not None:
                text.append(f"{control_id} is now ")
                text.append_text(status_text(status))
                text.append("\n")
        for item in report.not_planned:
            if any(item.control_id in plan.control_ids for plan in self.plans):
                text.append(inert(f"{item.control_id}: {item.reason}\n"), style="yellow")
        return text

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False)
    def _run(self) -> None:
        session = connected_session(self)
        try:
            report = session.apply(
                self.selection,
                self.engine_confirm(),
                on_event=lambda event: self.post_message(self.Progress(event)),
                reconfirm=self._ask_again,
            )
        except Exception as error:
            self.app.call_from_thread(self._crashed, error)
            return
        self.app.call_from_thread(self._finished, report)

    @on(Progress)
    def _progressed(self, message: Progress) -> None:
        event = message.event
        if event.kind == "plan-start":
            self._progress = inert_text(f"Plan {event.number} of {event.total}: {event.plan.title}")
        elif event.kind == "replanned":
            self._wait_lines(event.plan)
        elif event.kind in ("step-start", "step-done"):
            self._step_line(event)
            done = sum(1 for line in self._lines.values() if not line.plain.lstrip().startswith(("waiting", "running")))
            self._progress = Text(f"Plan {event.number} of {event.total}, call {done} of {len(self._lines)}: ")
            self._progress.append(inert(event.step.cli()), style="bold")
        elif event.kind == "waiting":
            self._progress = inert_text(f"Waiting for {event.message}, {event.seconds:.0f} s", style="yellow")
        elif event.kind == "verify-start":
            self._progress = inert_text("Checking the controls again: " + event.message)
        self.query_one("#apply-progress", Static).update(self._progress)
        self._render_steps()

    def _step_line(self, event: Any) -> None:
        key = f"{event.plan.id}/{event.step.id}"
        outcome = event.outcome
        if outcome is None:
            self._lines[key] = inert_text(f"  running  {event.step.cli()}", style="bold")
        elif outcome.status is StepStatus.DONE:
            self._lines[key] = inert_text(f"     done  {event.step.cli()}", style="green")
        else:
            why = ERROR_EXPLANATIONS.get(outcome.error_code or "", "")
            line = inert_text(f"   FAILED  {event.step.cli()}\n", style="bold red")
            line.append(inert(f"           {outcome.error_code}: {outcome.message}"))
            if why:
                line.append(f"\n           ({why})")
            self._lines[key] = line

    def _finished(self, report: Any) -> None:
        self.report = report
        session = connected_session(self)
        for notice in session.take_notices():
            notify_inert(self, notice, severity="warning", timeout=15)
        result = Text()
        failed = report.failed
        if failed:
            outcome = failed[0].outcome
            result.append(f"Stopped at a failed step: {len(outcome.ran)} step(s) of ", style="bold red")
            result.append(inert(failed[0].plan.title), style="bold red")
            result.append(" ran before it.\n", style="bold red")
            if outcome.ran and failed[0].plan.undo:
                self.query_one("#undo", Button).display = True
        else:
            result.append("Every call succeeded.\n", style="bold green")
        for skipped in (r for r in report.results if r.reason):
            result.append(inert(f"{skipped.plan.title}: {skipped.reason}\n"), style="yellow")
        result.append_text(self.summary(report))
        self.query_one("#result", Static).update(result)
        self.waiting = report.waiting_for_a_person()
        if self.waiting:
            result.append(
                inert(f"To finish {', '.join(self.waiting)}: confirm the e-mail subscription, then Verify again.\n"),
                style="bold yellow",
            )
            self.query_one("#verify-again", Button).display = True
        self.query_one("#apply-title", Static).update(inert_text(f"{self.heading}: done"))
        self.query_one("#apply-progress", Static).update("")
        back = self.query_one("#back", Button)
        back.disabled = False
        back.focus()

    def _crashed(self, error: Exception) -> None:
        self.query_one("#result", Static).update(
            inert_text(f"The fix stopped: {type(error).__name__}: {error}", style="bold red")
        )
        self.query_one("#back", Button).disabled = False

    @on(Button.Pressed, "#undo")
    def _undo(self) -> None:
        from screens.confirm import ConfirmScreen

        failed = self.report.failed[0]
        undo = Plan(f"undo-{failed.plan.id}", failed.plan.control_ids, f"Undo {failed.plan.title}", failed.plan.undo)
        session = connected_session(self)

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.app.switch_screen(UndoScreen(undo, session.connection.regions))

        self.app.push_screen(ConfirmScreen([undo], session.account_id), confirmed)

    @on(Button.Pressed, "#verify-again")
    def _verify_again(self) -> None:
        self.query_one("#apply-progress", Static).update("Checking again…")
        self._reverify(list(self.waiting))

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def _reverify(self, control_ids: list[str]) -> None:
        session = connected_session(self)
        result = session.verify(control_ids)
        self.app.call_from_thread(self._reverified, result)

    def _reverified(self, result: Any) -> None:
        text = Text()
        for checked in result.results:
            text.append(f"{checked.control.id} is now ")
            text.append_text(status_text(checked.finding.status))
            text.append(inert(f": {checked.finding.summary}\n"))
        self.waiting = [r.control.id for r in result.results if waits_for_a_person(r.finding)]
        self.query_one("#verify-again", Button).display = bool(self.waiting)
        self.query_one("#apply-progress", Static).update(text)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if not self.query_one("#back", Button).disabled:
            self.app.pop_screen()


def given_plans(plans: list[Plan], regions: list[str]) -> Any:
    from actions.given_plans import GivenPlans

    return GivenPlans(plans, regions)


class UndoScreen(ApplyScreen):
    """Runs a failed plan's undo calls (confirmed just before), recorded like any other calls."""

    def __init__(self, undo: Plan, regions: list[str]) -> None:
        super().__init__(undo.title, given_plans([undo], regions), [undo], "confirmed in the wizard (undo)")
