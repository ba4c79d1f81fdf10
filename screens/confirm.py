"""Confirm (modal): every call listed, focus on No; disruptive steps need "yes" typed, irreversible ones the
account id (the one rule in wizard/plans/confirm_rule.py). No key answers Yes by itself: Yes is a button that must
be focused (Tab) and pressed (Enter or a click), after the word or id is typed where one is needed."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.inert_text import inert, inert_text
from wizard.plans.confirm_rule import RISK_ORDER, required_typing, typed_matches
from wizard.plans.model import Plan, Risk
from wizard.styles import RISK_STYLES


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "no", "No")]

    def __init__(self, plans: list[Plan], account_id: str, *, intro: str | None = None) -> None:
        super().__init__()
        self.plans = plans
        self.account_id = account_id
        self.intro = intro
        risk = max((p.risk for p in plans), key=RISK_ORDER.index, default=Risk.SAFE)
        self.risk = risk
        self.required = required_typing(risk, account_id)

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
            if self.intro:
                yield Static(inert_text(self.intro), classes="error")
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
                yield Input(placeholder=self.required, id="account-check", compact=True)
            # The calls scroll; the buttons below them stay on screen at any terminal height.
            with Horizontal(classes="buttons", id="confirm-buttons"):
                yield Button("No", variant="primary", id="no", compact=True)
                yield Button("Yes, apply", variant="error", id="yes", disabled=bool(self.required), compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Input.Changed, "#account-check")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not typed_matches(event.value, self.risk, self.account_id)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        if not self.query_one("#yes", Button).disabled:
            self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
