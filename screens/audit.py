"""Audit: live progress of the reads (by region) and the checks (by section); Esc cancels.

In the demo it is the first screen: it connects to the sandbox (started as the app was launched) and audits
in one worker, then gives way to the overview.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from screens.widgets import AccountLine, notify_inert, top_bar, wizard_app
from wizard.audit.run import AuditCancelled, AuditProgress
from wizard.inert_text import inert_text


def open_sandbox_session(app: Any) -> Any:
    """Start the sandbox if it is not running, connect to it, and return its session (blocking: a worker)."""
    from actions.wizard_session import sandbox_session

    if app.sandbox is None:
        app.sandbox = app.sandbox_starter()
    return sandbox_session(app.sandbox, app.sandbox_log_path())


class AuditScreen(Screen[None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel the audit", id="cancel")]

    @dataclass
    class Progressed(Message):
        """Posted from the audit thread. Each one replaces the last on screen, so one still waiting to be shown
        is dropped when a newer one of its phase is behind it (the counts are cumulative)."""

        step: AuditProgress
        regions_started: int = 0

        def can_replace(self, message: Message) -> bool:
            # Textual asks the message it took whether the next one in the queue supersedes it.
            return isinstance(message, AuditScreen.Progressed) and message.step.phase == self.step.phase

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._regions_started: set[str] = set()  # written by the audit thread only

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static("Auditing all 49 controls…", classes="title")
        yield Static("Reading the account", id="read-label")
        yield ProgressBar(id="read-progress", show_eta=False)
        yield Static("Checking controls", id="check-label")
        yield ProgressBar(id="check-progress", show_eta=False)
        yield Static("", id="audit-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._run()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def _run(self) -> None:
        session = wizard_app(self).session
        if session is None:  # the demo: connect to the sandbox first
            self.post_message(self.Progressed(AuditProgress("wait", 0, 0, "starting the sandbox account")))
            try:
                session = open_sandbox_session(wizard_app(self))
            except Exception as error:
                self.app.call_from_thread(self._failed, error)
                return
            self.app.call_from_thread(self._connected, session)
        try:
            session.run_audit(progress=self._progressed, cancel=self._cancel)
        except AuditCancelled:
            self.app.call_from_thread(self._cancelled)
            return
        except Exception as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._finished)

    def _progressed(self, step: AuditProgress) -> None:
        """The audit's progress callback (in its thread)."""
        if step.phase == "read":
            self._regions_started.add(step.label.rsplit(" ", 1)[-1])
        self.post_message(self.Progressed(step, len(self._regions_started)))

    def on_audit_screen_progressed(self, message: Progressed) -> None:
        step = message.step
        if step.phase == "wait":
            self.query_one("#audit-detail", Static).update(inert_text(step.label.capitalize()))
            return
        bar = self.query_one("#read-progress" if step.phase == "read" else "#check-progress", ProgressBar)
        bar.update(total=step.total, progress=step.done)
        if step.phase == "read":
            self.query_one("#read-label", Static).update(
                f"Reading the account: {step.done}/{step.total} reads, {message.regions_started} region(s) started"
            )
            self.query_one("#audit-detail", Static).update(inert_text(f"last: {step.label}"))
        else:
            section = step.label.split(".", 1)[0]
            self.query_one("#check-label", Static).update(
                f"Checking controls: {step.done}/{step.total} (section {section})"
            )

    def _connected(self, session: Any) -> None:
        app = wizard_app(self)
        app.session = session
        for widget in self.query(AccountLine):
            widget.show_account()

    def action_cancel(self) -> None:
        self._cancel.set()
        self.query_one("#audit-detail", Static).update("Cancelling…")

    def _cancelled(self) -> None:
        self.notify("Audit cancelled. Nothing was changed.")
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            return
        # The demo's first audit: nothing to go back to. Audit again from the palette, or quit.
        self.query_one("#audit-detail", Static).update("Audit cancelled: Ctrl+P, “Audit again”, or Ctrl+Q to quit.")

    def _failed(self, error: Exception) -> None:
        self.query_one("#audit-detail", Static).update(
            inert_text(f"The audit stopped: {type(error).__name__}: {error}")
        )

    def _finished(self) -> None:
        from screens.overview import OverviewScreen

        app = wizard_app(self)
        if app.session is not None:
            try:
                app.session.refresh_waivers()
            except Exception as error:  # a damaged waiver file is reported, the audit stands
                notify_inert(self, f"Waivers not read: {error}", severity="warning")
        if isinstance(app.screen_stack[-2] if len(app.screen_stack) > 1 else None, OverviewScreen):
            app.pop_screen()
            overview = app.screen
            if isinstance(overview, OverviewScreen):
                overview.refresh_rows()
            return
        app.switch_screen(OverviewScreen())
