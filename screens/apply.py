"""Apply: each step's progress and result, AWS errors explained, then the control's new status."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from screens.widgets import notify_inert, status_text, top_bar, wizard_app
from wizard.executor import PlanOutcome, StepOutcome, StepStatus
from wizard.inert_text import inert, inert_text
from wizard.plans import ApiCall, Plan

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


class ApplyScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    @dataclass
    class StepChanged(Message):
        plan: Plan
        step: ApiCall
        outcome: StepOutcome | None

    def __init__(self, control_id: str, plans: list[Plan]) -> None:
        super().__init__()
        self.control_id = control_id
        self.plans = plans
        self.outcomes: list[PlanOutcome] = []
        self._lines: dict[str, Text] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static(f"Applying the fix for {self.control_id}…", classes="title", id="apply-title")
        with VerticalScroll():
            yield Static(id="steps")
            yield Static(id="result")
        with Horizontal(classes="buttons"):
            yield Button("Back to the control", id="back", disabled=True)
            yield Button("Undo what ran", id="undo", variant="warning")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#undo", Button).display = False
        for plan in self.plans:
            for step in plan.steps:
                self._lines[f"{plan.id}/{step.id}"] = inert_text(f"  waiting  {step.cli()}", style="dim")
        self._render_steps()
        self._run()

    def _render_steps(self) -> None:
        text = Text()
        for line in self._lines.values():
            text.append_text(line)
            text.append("\n")
        self.query_one("#steps", Static).update(text)

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False)
    def _run(self) -> None:
        session = wizard_app(self).session
        assert session is not None
        try:
            outcomes, after = session.apply(
                self.plans, lambda plan, step, outcome: self.post_message(self.StepChanged(plan, step, outcome))
            )
        except Exception as error:
            self.app.call_from_thread(self._crashed, error)
            return
        self.app.call_from_thread(self._finished, outcomes, after)

    def on_apply_screen_step_changed(self, message: StepChanged) -> None:
        key = f"{message.plan.id}/{message.step.id}"
        outcome = message.outcome
        if outcome is None:
            self._lines[key] = inert_text(f"  running  {message.step.cli()}", style="bold")
        elif outcome.status is StepStatus.DONE:
            self._lines[key] = inert_text(f"     done  {message.step.cli()}", style="green")
        else:
            why = ERROR_EXPLANATIONS.get(outcome.error_code or "", "")
            self._lines[key] = inert_text(
                f"   FAILED  {message.step.cli()}\n           {outcome.error_code}: {outcome.message}"
                + (f"\n           ({why})" if why else ""),
                style="bold red",
            )
        self._render_steps()

    def _finished(self, outcomes: list[PlanOutcome], after: object) -> None:
        self.outcomes = outcomes
        session = wizard_app(self).session
        assert session is not None
        for notice in session.take_notices():
            notify_inert(self, notice, severity="warning", timeout=15)
        result = Text()
        failed = [o for o in outcomes if not o.ok]
        if failed:
            outcome = failed[0]
            ran = len(outcome.ran)
            result.append(
                inert(f"Stopped at a failed step: {ran} step(s) of {outcome.plan.title} ran before it.\n"),
                style="bold red",
            )
            if ran and outcome.plan.undo:
                self.query_one("#undo", Button).display = True
        else:
            result.append("Every call succeeded.\n", style="bold green")
        for plan in self.plans:
            for control_id in plan.control_ids:
                status = session.status(control_id)
                if status is not None:
                    result.append(f"{control_id} is now ")
                    result.append_text(status_text(status))
                    result.append("\n")
        self.query_one("#result", Static).update(result)
        self.query_one("#apply-title", Static).update(f"Fix for {self.control_id}: done")
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

        failed = next(o for o in self.outcomes if not o.ok)
        undo = Plan(f"undo-{failed.plan.id}", failed.plan.control_ids, f"Undo {failed.plan.title}", failed.plan.undo)
        session = wizard_app(self).session
        assert session is not None

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.app.switch_screen(ApplyScreen(self.control_id, [undo]))

        self.app.push_screen(ConfirmScreen([undo], session.account_id), confirmed)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if not self.query_one("#back", Button).disabled:
            self.app.pop_screen()
