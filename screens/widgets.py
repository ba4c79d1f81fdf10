"""Small widgets the screens share: the sandbox banner, status badges, the account line, plain toasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import DataTable, Static

from wizard.inert_text import inert, inert_text
from wizard.styles import status_badge

if TYPE_CHECKING:
    from actions.wizard_session import WizardSession
    from screens.app import WizardApp

status_text = status_badge  # the screens' name for it (the styles are the core's, shared with the terminal)


def wizard_app(widget: Widget) -> WizardApp:
    return cast("WizardApp", widget.app)


def connected_session(widget: Widget) -> WizardSession:
    """The app's session, for a screen that opens only once the wizard has connected (there always is one)."""
    session = wizard_app(widget).session
    assert session is not None
    return session


def notify_inert(
    widget: Widget, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
) -> None:
    """A toast whose words may come from AWS or a person (an error, a notice): `notify` parses markup unless
    told not to, and would pass control characters to the terminal."""
    widget.notify(inert(message), severity=severity, timeout=timeout, markup=False)


class RowTable(DataTable[Any]):
    """A table of rows whose Home and End keys move the cursor to the first and the last row (DataTable's own
    scroll the view sideways)."""

    BINDINGS = [
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


class SandboxBanner(Static):
    """Says plainly, on every screen, that this is the sandbox and not a real account."""

    DEFAULT_CLASSES = "sandbox-banner"

    def on_mount(self) -> None:
        app = wizard_app(self)
        self.display = app.is_sandbox
        self.update("SANDBOX: a simulated AWS account on this computer; nothing touches real AWS.")


class AccountLine(Static):
    """Account id, alias and caller, once connected."""

    DEFAULT_CLASSES = "account-line"

    def on_mount(self) -> None:
        self.show_account()

    def show_account(self) -> None:
        session = wizard_app(self).session
        self.display = session is not None
        if session is None:
            return
        connection = session.connection
        alias = f" ({connection.alias})" if connection.alias else ""
        self.update(
            inert_text(
                f"{connection.identity.account_id}{alias} · {connection.identity.arn} · "
                f"{len(connection.regions)} region{'s' if len(connection.regions) != 1 else ''}"
            )
        )


def top_bar() -> ComposeResult:
    yield SandboxBanner()
    yield AccountLine()


def field_on_screen(screen: Widget) -> bool:
    """Whether a text field is shown on `screen` (itself and every container around it displayed)."""
    from textual.widgets import Input

    for field in screen.query(Input):
        node: Widget | None = field
        shown = True
        while node is not None and node is not screen:
            if not node.display:
                shown = False
                break
            node = node.parent if isinstance(node.parent, Widget) else None
        if shown:
            return True
    return False


def letter_actions(bindings: list[Any]) -> frozenset[str]:
    """The actions bound to one printable key ("a", "d"): what typing into a field would set off."""
    return frozenset(b.action for b in bindings if len(b.key) == 1 and b.key.isprintable())


class FieldsFirst:
    """For a screen with letter keys and text fields: while a field is on screen, the letter keys do nothing,
    so that what is typed (an e-mail address, a name) belongs to the field even when it lost the focus."""

    BINDINGS: ClassVar[list[Any]]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in letter_actions(self.BINDINGS) and field_on_screen(self))  # type: ignore[arg-type]
