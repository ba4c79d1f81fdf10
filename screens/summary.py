"""Summary: the score before and after, what changed, and the report to file."""

from __future__ import annotations

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from screens.widgets import connected_session, status_text, top_bar
from wizard.catalog import load_catalog
from wizard.inert_text import inert_text


class SummaryScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="back"), Binding("e", "export", "Export report", id="export")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static(id="summary-score", classes="title")
        with VerticalScroll():
            yield Static(id="summary-changes")
        with Horizontal(classes="buttons"):
            yield Button("Export the report (HTML)", id="export", variant="primary")
        yield Static("", id="export-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        session = connected_session(self)
        before = session.before_findings()
        passing_before, total = session.score(before)
        passing_now, _ = session.score()
        self.query_one("#summary-score", Static).update(
            f"Before: {passing_before}/{total} controls pass. Now: {passing_now}/{total}."
        )
        table = Table(expand=True)
        for column in ("ID", "Control", "Before", "Now"):
            table.add_column(column)
        for control in load_catalog():
            old, new = before.get(control.id), session.current.get(control.id)
            if old is None or new is None or old.status is new.status:
                continue
            table.add_row(control.id, control.title, status_text(old.status), status_text(new.status))
        changes = self.query_one("#summary-changes", Static)
        changes.update(table if table.row_count else "No control has changed status yet.")

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        self.query_one("#export-status", Static).update("Writing the report…")
        self._export()

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self) -> None:
        from wizard.audit_log.export import render_report
        from wizard.audit_log.reader import read_log
        from wizard.audit_log.report import build_report
        from wizard.audit_log.verify import verify_log

        session = connected_session(self)
        log = session.audit_log()
        target = log.path.with_name(f"cis-wizard-report-{session.account_id}.html")
        try:
            contents = read_log(log.path)
            report = build_report(
                contents.records,
                contents.records,
                log_path=log.path,
                scope="the whole log",
                verification=verify_log(log.path, session.account_id),
                torn_lines=contents.torn_lines,
            )
            target.write_text(render_report(report, "html"), encoding="utf-8")
        except Exception as error:
            self.app.call_from_thread(self._said, f"Could not export: {error}")
            return
        signed = f" (the log is signed with key {report.fingerprint})" if report.fingerprint else ""
        self.app.call_from_thread(self._said, f"Report written to {target}{signed}")

    def _said(self, text: str) -> None:
        self.query_one("#export-status", Static).update(inert_text(text))

    def action_back(self) -> None:
        self.app.pop_screen()
