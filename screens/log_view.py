"""Log: the account's audit log, newest last, with the result of verifying its chain and signatures."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from screens.widgets import RowTable, connected_session, top_bar
from wizard.inert_text import inert_text


class LogScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static("Verifying the audit log…", id="log-status")
        yield RowTable(id="log-records", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#log-records", DataTable)
        for column in ("#", "Time (UTC)", "Kind", "Control", "What"):
            table.add_column(column)
        self._load()

    @work(thread=True, exclusive=True, group="log", exit_on_error=False)
    def _load(self) -> None:
        from wizard.audit_log.query import outcome, results_by_call
        from wizard.audit_log.reader import read_log
        from wizard.audit_log.verify import verify_log

        session = connected_session(self)
        log = session.audit_log()
        try:
            report = verify_log(log.path, session.account_id)
            contents = read_log(log.path)
        except Exception as error:
            self.app.call_from_thread(self._show, f"The audit log cannot be read: {error}", [])
            return
        results = results_by_call(contents.records)
        rows = [
            (str(r.seq), r.when.strftime("%Y-%m-%d %H:%M:%S"), str(r.kind), r.control_id or "", outcome(r, results))
            for r in contents.records
        ]
        signed = f"\nSigned with key {report.fingerprint}." if report.fingerprint else ""
        self.app.call_from_thread(self._show, f"{log.path}: {report.headline()}{signed}", rows)

    def _show(self, headline: str, rows: list[tuple[str, ...]]) -> None:
        self.query_one("#log-status", Static).update(inert_text(headline))
        table = self.query_one("#log-records", DataTable)
        table.clear()
        for row in rows:  # a str cell would be parsed as markup: a waiver reason with "[/]" crashed the table
            table.add_row(*(inert_text(cell, one_line=True) for cell in row))
        if rows:
            table.move_cursor(row=len(rows) - 1)

    def action_back(self) -> None:
        self.app.pop_screen()
