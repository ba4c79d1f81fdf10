"""Leave the account (Esc on the overview): asked, never done by a key alone; Stay has the focus."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.inert_text import inert_text


class LeaveScreen(ModalScreen[bool]):
    """True to leave: to the connect screen (the session's baseline is kept if you come back), or out of the demo."""

    BINDINGS = [Binding("escape", "stay", "Stay")]

    def __init__(self, account: str, *, demo: bool, back_to: str = "the connect screen") -> None:
        super().__init__()
        self.account = account
        self.demo = demo
        self.back_to = back_to  # what is beneath: the connect screen, or the accounts overview

    def compose(self) -> ComposeResult:
        with Vertical(id="leave-dialog"):
            if self.demo:
                yield Static("Quit the demo? Its log stays on disk; the next demo starts clean.", classes="title")
            else:
                yield Static(
                    inert_text(
                        f"Leave account {self.account} for {self.back_to}? Coming back to it keeps "
                        "this session's first audit as the baseline."
                    ),
                    classes="title",
                )
            with Horizontal(classes="buttons"):
                yield Button("Stay", variant="primary", id="stay")
                yield Button("Quit the demo" if self.demo else "Leave this account", id="leave")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#stay")
    def action_stay(self) -> None:
        self.dismiss(False)
