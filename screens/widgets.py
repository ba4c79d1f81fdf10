"""Small widgets the screens share: the sandbox banner, status badges, the account line, plain toasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Static

from wizard.findings import Status
from wizard.inert_text import inert, inert_text

if TYPE_CHECKING:
    from screens.app import WizardApp

STATUS_STYLES = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.MANUAL: "bold yellow",
    Status.ERROR: "bold magenta",
    Status.NOT_APPLICABLE: "dim",
}
STATUS_LABELS = {Status.NOT_APPLICABLE: "N/A"}


def status_text(status: Status | None) -> Text:
    if status is None:
        return Text("…", style="dim")
    return Text(STATUS_LABELS.get(status, status.value), style=STATUS_STYLES[status])


def wizard_app(widget: Widget) -> WizardApp:
    return cast("WizardApp", widget.app)


def notify_inert(
    widget: Widget, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
) -> None:
    """A toast whose words may come from AWS or a person (an error, a notice): `notify` parses markup unless
    told not to, and would pass control characters to the terminal."""
    widget.notify(inert(message), severity=severity, timeout=timeout, markup=False)


class SandboxBanner(Static):
    """Says plainly, on every screen, that this is the sandbox and not a real account."""

    DEFAULT_CLASSES = "sandbox-banner"

    def on_mount(self) -> None:
        app = wizard_app(self)
        self.display = app.is_sandbox
        self.update("SANDBOX: a simulated AWS account on this computer. Nothing here touches real AWS.")


class AccountLine(Static):
    """Account id, alias and caller, once connected."""

    DEFAULT_CLASSES = "account-line"

    def on_mount(self) -> None:
        session = wizard_app(self).session
        if session is None:
            self.display = False
            return
        connection = session.connection
        alias = f" ({connection.alias})" if connection.alias else ""
        self.update(
            inert_text(
                f"Account {connection.identity.account_id}{alias} · {connection.identity.arn} · "
                f"{len(connection.regions)} region(s)"
            )
        )


def top_bar() -> ComposeResult:
    yield SandboxBanner()
    yield AccountLine()
