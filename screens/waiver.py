"""Skip a failing control: a waiver needs a reason, an owner and an expiry date; it goes in the audit log."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from screens.widgets import wizard_app

MAX_WAIVER_DAYS = 365


def parse_expiry(text: str, today: dt.date) -> dt.date:
    """A date in the future, at most a year away (YYYY-MM-DD)."""
    try:
        expiry = dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError("use a date like 2027-03-31") from error
    if expiry <= today:
        raise ValueError("the expiry must be in the future")
    if (expiry - today).days > MAX_WAIVER_DAYS:
        raise ValueError(f"a waiver lasts at most {MAX_WAIVER_DAYS} days")
    return expiry


class WaiverScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, control_id: str) -> None:
        super().__init__()
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        default_expiry = (dt.date.today() + dt.timedelta(days=90)).isoformat()
        with Vertical(id="waiver-dialog"):
            yield Static(f"Waive {self.control_id}: it stays failing, on record, until the expiry.", classes="title")
            yield Label("Why is it acceptable for now?")
            yield Input(id="reason", placeholder="e.g. legacy bastion, replaced in Q2")
            yield Label("Owner (who answers for it)")
            yield Input(id="owner", placeholder="name or team")
            yield Label("Expires on (YYYY-MM-DD)")
            yield Input(id="expiry", value=default_expiry)
            yield Static("", id="waiver-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", variant="primary", id="cancel")
                yield Button("Record the waiver", id="save")

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        owner = self.query_one("#owner", Input).value.strip()
        error = self.query_one("#waiver-error", Static)
        if not reason or not owner:
            error.update("A waiver needs a reason and an owner.")
            return
        try:
            expiry = parse_expiry(self.query_one("#expiry", Input).value, dt.date.today())
        except ValueError as problem:
            error.update(f"Expiry: {problem}.")
            return
        session = wizard_app(self).session
        assert session is not None
        from wizard.audit_log.records import Kind

        session.audit_log().record(
            Kind.WAIVER,
            {"action": "granted", "reason": reason, "owner": owner, "expires": expiry.isoformat()},
            control_id=self.control_id,
        )
        for notice in session.take_notices():
            self.app.notify(notice, severity="warning", timeout=15)
        session.waivers[self.control_id] = f"{reason} (owner {owner}, until {expiry.isoformat()})"
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
