"""Audit: live progress of the reads (by region) and the checks (by section); Esc cancels.

In the demo it is the first screen: it connects to the sandbox (started as the app was launched) and audits
in one worker, then gives way to the overview.
"""

from __future__ import annotations

import threading
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
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


class LatestProgress:
    """The audit's newest progress of each phase, recorded from its threads and taken by the screen's timer, so
    the screen repaints a few times a second however fast the reads finish (each repaint costs the CPU the
    audit needs). The counts are cumulative: the newest of a phase says all the older ones said."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[AuditProgress, int]] = {}  # by phase, the most recently recorded last
        self._regions_started: set[str] = set()

    def record(self, step: AuditProgress) -> None:
        with self._lock:
            if step.phase == "read":
                self._regions_started.add(step.label.rsplit(" ", 1)[-1])
            self._latest.pop(step.phase, None)
            self._latest[step.phase] = (step, len(self._regions_started))

    def take(self) -> list[tuple[AuditProgress, int]]:
        """What was recorded since the last take (the newest step of each phase with the regions started then),
        oldest first."""
        with self._lock:
            taken, self._latest = list(self._latest.values()), {}
        return taken


class AuditScreen(Screen[None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel the audit", id="cancel")]
    REPAINT_SECONDS = 1 / 12  # how often progress is shown

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._progress = LatestProgress()

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
        self.set_interval(self.REPAINT_SECONDS, self._show_progress)
        self._run()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def _run(self) -> None:
        session = wizard_app(self).session
        if session is None:  # the demo: connect to the sandbox first
            self._progress.record(AuditProgress("wait", 0, 0, "starting the sandbox account"))
            try:
                session = open_sandbox_session(wizard_app(self))
            except Exception as error:
                self.app.call_from_thread(self._failed, error)
                return
            self.app.call_from_thread(self._connected, session)
        try:
            session.run_audit(progress=self._progress.record, cancel=self._cancel)
        except AuditCancelled:
            self.app.call_from_thread(self._cancelled)
            return
        except Exception as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._finished)

    def _show_progress(self) -> None:
        for step, regions_started in self._progress.take():
            self._show(step, regions_started)

    def _show(self, step: AuditProgress, regions_started: int) -> None:
        if step.phase == "wait":
            self.query_one("#audit-detail", Static).update(inert_text(step.label.capitalize()))
            return
        bar = self.query_one("#read-progress" if step.phase == "read" else "#check-progress", ProgressBar)
        bar.update(total=step.total, progress=step.done)
        if step.phase == "read":
            self.query_one("#read-label", Static).update(
                f"Reading the account: {step.done}/{step.total} reads, {regions_started} region(s) started"
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
        self._show_progress()  # what the audit said before it stopped, so that no later repaint covers this
        self.notify("Audit cancelled. Nothing was changed.")
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            return
        # The demo's first audit: nothing to go back to. Audit again from the palette, or quit.
        self.query_one("#audit-detail", Static).update("Audit cancelled: Ctrl+P, “Audit again”, or Ctrl+Q to quit.")

    def _failed(self, error: Exception) -> None:
        self._show_progress()  # as in _cancelled
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
