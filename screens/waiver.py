"""Skip a failing control: a waiver needs a reason, an owner and an expiry date; it goes in the audit log."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from screens.widgets import connected_session, notify_inert
from wizard.inert_text import inert_text


class WaiverScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, control_id: str) -> None:
        super().__init__()
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        from wizard.state.waivers import default_expiry, utc_today

        expires = default_expiry(utc_today()).isoformat()
        with Vertical(id="waiver-dialog"):
            yield Static(f"Waive {self.control_id}: it stays failing, on record, until the expiry.", classes="title")
            with VerticalScroll(id="waiver-fields"):  # scrolls on a short screen; the buttons stay
                yield Label("Why is it acceptable for now?")
                yield Input(id="reason", placeholder="e.g. legacy bastion, replaced in Q2", compact=True)
                yield Label("Owner (who answers for it)")
                yield Input(id="owner", placeholder="name or team", compact=True)
                yield Label("Expires on (YYYY-MM-DD)")
                yield Input(id="expiry", value=expires, compact=True)
            yield Static("", id="waiver-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", variant="primary", id="cancel", compact=True)
                yield Button("Record the waiver", id="save", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field; recording the waiver is the button's (Tab to it, Enter)."""
        order = ["reason", "owner", "expiry"]
        position = order.index(event.input.id or "reason")
        target = f"#{order[position + 1]}" if position + 1 < len(order) else "#save"
        self.query_one(target).focus()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        from wizard.state.waivers import WaiverError, parse_expiry, utc_today

        reason = self.query_one("#reason", Input).value.strip()
        owner = self.query_one("#owner", Input).value.strip()
        error = self.query_one("#waiver-error", Static)
        if not reason or not owner:
            error.update("A waiver needs a reason and an owner.")
            return
        session = connected_session(self)
        try:
            expiry = parse_expiry(self.query_one("#expiry", Input).value, utc_today())
            waiver = session.waiver_book().grant(
                session.audit_log(), self.control_id, reason=reason, owner=owner, expires=expiry
            )
        except WaiverError as problem:
            error.update(inert_text(problem))
            return
        for notice in session.take_notices():
            notify_inert(self, notice, severity="warning", timeout=15)
        session.waivers[self.control_id] = waiver.marker(utc_today())
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
