"""Checklist: the console steps of a control no API can fix, verified by its check or attested by a person.

Each step is a widget of its own in a scrolling list, so the current one (▶) is scrolled into view; the
summary and warnings are a short block above them, and the buttons stay at the bottom at any height.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from screens.widgets import FieldsFirst, connected_session, notify_inert, status_text, top_bar
from wizard.inert_text import inert, inert_text


class ChecklistScreen(FieldsFirst, Screen[None]):
    BINDINGS = [
        Binding("d", "step_done", "Step done", id="step-done", tooltip="Record that the ▶ step was carried out"),
        Binding("v", "verify", "Verify now", id="verify", tooltip="Run the control's check again"),
        Binding("k", "waive", "Waive…", id="waive", tooltip="Accept the control failing for now: a waiver"),
        Binding("escape", "back", "Back", id="back"),
    ]
    PALETTE = (
        ("step_done", "Mark the next checklist step done", "Record that the step was carried out"),
        ("verify", "Verify the checklist now", "Run the control's check again"),
    )

    def __init__(self, control_id: str) -> None:
        super().__init__()
        self.control_id = control_id
        self.run: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static(id="checklist-title", classes="title")
        with VerticalScroll(id="checklist-body"):
            yield Static(id="checklist-about")
            yield Vertical(id="checklist-steps")
            yield Static(id="checklist-result")
            yield Label("Your name (for the attestation)", id="attest-name-label")
            yield Input(id="attest-name", placeholder="Full name")
            yield Label("Statement", id="attest-statement-label")
            yield Input(id="attest-statement")
        with Horizontal(classes="buttons", id="checklist-buttons"):
            yield Button("Step done", id="step-done", compact=True)
            yield Button("Verify now", variant="primary", id="verify", compact=True)
            yield Button("Attest", id="attest", disabled=True, compact=True)
            yield Button("Waive…", id="waive", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    async def on_mount(self) -> None:
        for widget_id in ("attest-name-label", "attest-name", "attest-statement-label", "attest-statement"):
            self.query_one(f"#{widget_id}").display = False
        self.run = connected_session(self).checklist_run(self.control_id)
        checklist = self.run.checklist
        self.query_one("#checklist-title", Static).update(f"{self.control_id}  {checklist.title}")
        self.query_one("#attest-statement", Input).value = checklist.completion.statement or ""
        await self._show_steps()

    def _about(self) -> Text:
        checklist = self.run.checklist
        text = Text(f"{checklist.summary}\n", style="bold")
        text.append(f"Completes: {checklist.completion.note}\n", style="dim")
        for warning in checklist.warnings:
            text.append(f"⚠ {warning}\n", style="yellow")
        return text

    def _step_text(self, number: int, step: Any, done: set[str], current: str | None) -> Text:
        mark = "✔" if step.id in done else ("▶" if step.id == current else " ")
        style = "green" if step.id in done else ("bold reverse" if mark == "▶" else "")
        text = Text(f"{mark} {number}/{len(self.run.checklist.steps)}. {step.title}\n", style=style)
        text.append(f"   {step.text}\n")
        link = self.run.link(step)
        if link:
            text.append(f"   {link}\n", style="underline cyan")
        for warning in step.warnings:
            text.append(f"   ⚠ {warning}\n", style="yellow")
        stand_in = self.run.sandbox_call(step)
        if stand_in is not None:
            command = f"{stand_in.cli()} --endpoint-url {self.run.ctx.endpoint_url}"
            text.append(inert(f"   sandbox: {command}\n"), style="magenta")
        return text

    async def _show_steps(self) -> None:
        """Every step as its own widget (made once, then updated); the current one scrolled into view."""
        self.query_one("#checklist-about", Static).update(self._about())
        done = set(self.run.steps_done())
        next_step = self.run.next_step()
        current = next_step.id if next_step else None
        steps = self.run.checklist.steps
        texts = [self._step_text(number, step, done, current) for number, step in enumerate(steps, 1)]
        box = self.query_one("#checklist-steps", Vertical)
        if not box.children:
            widgets = [Static(t, id=f"step-{n}", classes="checklist-step") for n, t in enumerate(texts, 1)]
            await box.mount_all(widgets)
        for number, text in enumerate(texts, 1):
            self.query_one(f"#step-{number}", Static).update(text)
        index = next((n for n, step in enumerate(steps, 1) if step.id == current), None)
        target = self.query_one(f"#step-{index}" if index else "#checklist-result", Static)
        body = self.query_one("#checklist-body", VerticalScroll)
        self.call_after_refresh(body.scroll_to_widget, target, animate=False, top=True)  # once laid out

    @on(Button.Pressed, "#step-done")
    async def action_step_done(self) -> None:
        step = self.run.next_step()
        if step is None:
            self.notify("Every step is marked done: verify now.")
            return
        self.run.mark_step_done(step.id)
        await self._show_steps()

    @on(Button.Pressed, "#waive")
    def action_waive(self) -> None:
        from screens.waiver import WaiverScreen

        def waived(reason: str | None) -> None:
            if reason:
                self._said(inert_text(f"\nWaived: {reason}", style="bold yellow"))

        self.app.push_screen(WaiverScreen(self.control_id), waived)

    @on(Button.Pressed, "#verify")
    def action_verify(self) -> None:
        self.query_one("#checklist-result", Static).update("Checking…")
        self._verify()

    @work(thread=True, exclusive=True, group="checklist", exit_on_error=False)
    def _verify(self) -> None:
        try:
            verification = self.run.verify()
        except Exception as error:
            self.app.call_from_thread(self._said, inert_text(f"Could not verify: {error}", style="red"))
            return
        self.app.call_from_thread(self._verified, verification)

    def _said(self, text: Text) -> None:
        result = self.query_one("#checklist-result", Static)
        result.update(text)
        self.query_one("#checklist-body", VerticalScroll).scroll_to_widget(result, animate=False)

    def _verified(self, verification: Any) -> None:
        session = connected_session(self)
        session.current[self.control_id] = verification.finding
        text = Text("\n")
        text.append_text(status_text(verification.finding.status))
        text.append(inert(f"  {verification.message}\n"))
        for resource in verification.open_resources[:20]:
            text.append(inert(f"   • {resource.id} ({resource.region}): {resource.reason}\n"))
        if verification.complete:
            text.append("Checklist complete.\n", style="bold green")
        self._said(text)
        can_attest = verification.can_attest and not verification.complete
        for widget_id in ("attest-name-label", "attest-name", "attest-statement-label", "attest-statement"):
            self.query_one(f"#{widget_id}").display = can_attest
        self.query_one("#attest", Button).disabled = not can_attest
        if can_attest:
            self.query_one("#attest-name", Input).focus()

    @on(Button.Pressed, "#attest")
    def _attest(self) -> None:
        from wizard.errors import UsageError

        name = self.query_one("#attest-name", Input).value
        statement = self.query_one("#attest-statement", Input).value
        try:
            self.run.attest(name, statement)
        except UsageError as error:
            notify_inert(self, str(error), severity="error")
            return
        self.query_one("#attest", Button).disabled = True
        self._said(inert_text(f"\n{self.run.verification.message}\nChecklist complete.", style="bold green"))

    def action_back(self) -> None:
        self.app.pop_screen()
