"""Confirm (modal): every call listed, focus on No; irreversible steps need the account id typed."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.inert_text import inert
from wizard.plans import Plan, Risk

RISK_STYLES = {Risk.SAFE: "green", Risk.DISRUPTIVE: "yellow", Risk.IRREVERSIBLE: "bold red"}


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "no", "No"), Binding("y", "yes_key", "Yes", show=False)]

    def __init__(self, plans: list[Plan], account_id: str) -> None:
        super().__init__()
        self.plans = plans
        self.account_id = account_id
        risks = {s.risk for p in plans for s in p.steps}
        # What must be typed before Yes is enabled: the account id for irreversible steps, "yes" for
        # disruptive ones (they may break a workload: the affected resources are listed above).
        self.required = account_id if Risk.IRREVERSIBLE in risks else "yes" if Risk.DISRUPTIVE in risks else None

    def compose(self) -> ComposeResult:
        calls = [s for p in self.plans for s in p.steps]
        listing = Text()
        for plan in self.plans:
            for item in plan.affected:
                listing.append(inert(f"Affected: {item}\n"), style="yellow")
        for number, step in enumerate(calls, 1):
            listing.append(f"{number:>2}. ", style="bold")
            listing.append(f"[{step.risk.value}] ", style=RISK_STYLES[step.risk])
            listing.append(inert(f"{step.cli()}\n"))
        with Vertical(id="confirm-dialog"):
            yield Static(f"Make these {len(calls)} call(s) in account {self.account_id}?", classes="title")
            with VerticalScroll(id="confirm-calls"):
                yield Static(listing)
            if self.required == self.account_id:
                yield Static("Some steps cannot be undone. Type the account id to enable Yes.", classes="error")
            elif self.required:
                yield Static(
                    "This may break what relies on the current setup. Type yes to enable Yes.", classes="error"
                )
            if self.required:
                yield Input(placeholder=self.required, id="account-check")
            with Horizontal(classes="buttons"):
                yield Button("No", variant="primary", id="no")
                yield Button("Yes, apply", variant="error", id="yes", disabled=bool(self.required))

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Input.Changed, "#account-check")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = event.value.strip().lower() != (self.required or "").lower()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        if not self.query_one("#yes", Button).disabled:
            self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)

    def action_yes_key(self) -> None:
        self._yes()
