"""Overview: every control with its status and fix; filter; the score before and after; open a control.

At 80 columns the table shows each control's short title (the catalog's `short_title`); the highlighted
control's benchmark title is on the line under the table, and `t` shows the benchmark titles in the table.
A waiver is a column of its own, so it shows whatever the width.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from screens.widgets import RowTable, connected_session, notify_inert, status_text, top_bar, wizard_app
from wizard.audit.findings import Status
from wizard.catalog import load_catalog
from wizard.inert_text import inert_text

ANY = "any"
# Widths of the fixed columns; the title takes the rest (each column also has a cell of padding either side).
FIXED = {"id": 4, "level": 1, "status": 6, "waiver": 6, "fix": 6}
SCROLLBAR = 2


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "next_failing", "Next failing", id="next-failing", tooltip="Open the next failing control"),
        Binding("f", "only_failing", "Only failing", id="only-failing", tooltip="Show only FAIL"),
        Binding("a", "fix_all", "Fix all…", id="fix-all", tooltip="Plan every fix, review by risk, confirm"),
        Binding(
            "t", "toggle_titles", "Titles", id="titles", show=False, tooltip="Short titles / the benchmark's titles"
        ),
        Binding("l", "log", "Log", id="log", tooltip="The audit log"),
        Binding("s", "summary", "Summary", id="summary", tooltip="Before and after; export the report"),
        Binding("escape", "back", "Leave", id="leave", show=False, tooltip="Leave this account (asks first)"),
    ]
    PALETTE = (
        ("fix_all", "Fix all…", "Plan every failing control that has a fix, review by risk, confirm, apply"),
        ("next_failing", "Next failing control", "Open the next control that fails"),
        ("only_failing", "Show only failing controls", "Filter the table to FAIL"),
        ("toggle_titles", "Short or benchmark titles", "Switch the table between short titles and the benchmark's"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.full_titles = False
        self._title_width = 0
        self._resume: str | None = None

    def compose(self) -> ComposeResult:
        catalog = load_catalog()
        yield Header()
        yield from top_bar()
        yield Static("", id="score")
        with Horizontal(id="filters"):
            yield Select([(s.value, s.value) for s in Status], prompt="Status: any", id="filter-status", compact=True)
            yield Select(
                [(f"{k}. {v}", k) for k, v in catalog.sections.items()],
                prompt="Section: any",
                id="filter-section",
                compact=True,
            )
            yield Select([("Level 1", 1), ("Level 2", 2)], prompt="Level: any", id="filter-level", compact=True)
        yield RowTable(id="controls", cursor_type="row", zebra_stripes=True)
        yield Static("", id="selected-title")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_rows()
        self.query_one("#controls", DataTable).focus()
        session = wizard_app(self).session
        if session is None:
            return
        try:
            self._resume = session.resume_point()
        except Exception:  # a damaged progress file: start from the first failing control
            self._resume = None
        if self._resume and session.progress().last_control:
            self.notify(f"Your session continues at {self._resume}: press n to open it.", timeout=10)
        if not session.sandbox:  # a demo's log is new each run: nothing to compare with
            self._compare_with_last_session()

    @work(thread=True, exclusive=True, group="last-session", exit_on_error=False)
    def _compare_with_last_session(self) -> None:
        """Say what changed since the last session's audit, then record this one's for the next session."""
        session = connected_session(self)
        try:
            changes = session.changes_since_last_session()
            session.record_audit()
        except Exception as error:  # the log is a record, not a gate: the overview stands without it
            self.app.call_from_thread(notify_inert, self, f"Not recorded in the log: {error}", severity="warning")
            return
        if changes:
            self.app.call_from_thread(notify_inert, self, changes, timeout=20)

    def on_resize(self) -> None:
        self.refresh_rows()

    def _columns(self, table: DataTable[object]) -> None:
        """(Re)build the columns so that the status, waiver and fix always fit: the title takes what is left."""
        padding = 2 * (len(FIXED) + 1)
        width = max(16, self.size.width - sum(FIXED.values()) - padding - SCROLLBAR)
        if width != self._title_width:
            table.clear(columns=True)
            table.add_column("ID", key="id", width=FIXED["id"])
            table.add_column("Control", key="title", width=width)
            table.add_column("L", key="level", width=FIXED["level"])
            table.add_column("Status", key="status", width=FIXED["status"])
            table.add_column("Waiver", key="waiver", width=FIXED["waiver"])
            table.add_column("Fix", key="fix", width=FIXED["fix"])
            self._title_width = width

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def _filters(self) -> tuple[object, object, object]:
        return tuple(self.query_one(f"#filter-{name}", Select).value for name in ("status", "section", "level"))  # type: ignore[return-value]

    def refresh_rows(self) -> None:
        session = wizard_app(self).session
        if session is None:
            return
        status_filter, section_filter, level_filter = self._filters()
        table = self.query_one("#controls", DataTable)
        keep = table.cursor_row
        self._columns(table)
        table.clear()
        for control in load_catalog():
            status = session.status(control.id)
            if status_filter not in (Select.NULL, None) and (status is None or status.value != status_filter):
                continue
            if section_filter not in (Select.NULL, None) and control.section != section_filter:
                continue
            if level_filter not in (Select.NULL, None) and control.level != level_filter:
                continue
            waived = Text("waived", style="yellow") if control.id in session.waivers else Text("")
            title = control.title if self.full_titles else control.short_title
            table.add_row(
                control.id, title, str(control.level), status_text(status), waived, control.fix, key=control.id
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self._show_score()
        self._show_selected()

    def _show_score(self) -> None:
        session = connected_session(self)
        before, total = session.score(session.before_findings())
        now, _ = session.score()
        failing = sum(1 for c in load_catalog() if session.status(c.id) is Status.FAIL)
        self.query_one("#score", Static).update(
            f"Score {now}/{total} pass (first audit {before}/{total}) · {failing} failing · Enter opens · n next"
        )

    def _show_selected(self) -> None:
        """The highlighted control's benchmark title (and its waiver), under the table."""
        table = self.query_one("#controls", DataTable)
        line = self.query_one("#selected-title", Static)
        if not table.row_count:
            line.update("")
            return
        control_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        control = load_catalog().get(control_id)
        session = wizard_app(self).session
        text = Text(f"{control.id} ", style="bold")
        text.append(control.title)
        if session is not None and control.id in session.waivers:
            text.append_text(inert_text(f" · waived: {session.waivers[control.id]}", style="yellow"))
        line.update(text)

    @on(DataTable.RowHighlighted, "#controls")
    def _highlighted(self) -> None:
        self._show_selected()

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.refresh_rows()

    @on(DataTable.RowSelected, "#controls")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_control(str(event.row_key.value))

    def open_control(self, control_id: str) -> None:
        from screens.control import ControlScreen

        self.app.push_screen(ControlScreen(control_id))

    def action_toggle_titles(self) -> None:
        self.full_titles = not self.full_titles
        self.refresh_rows()

    def action_next_failing(self) -> None:
        session = connected_session(self)
        if self._resume is not None:  # first time: where the last session left off
            resume, self._resume = self._resume, None
            self.open_control(resume)
            return
        table = self.query_one("#controls", DataTable)
        ids = [c.id for c in load_catalog()]
        current = (
            ids.index(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
            if table.row_count
            else -1
        )
        ordered = ids[current + 1 :] + ids[: current + 1]
        for control_id in ordered:
            if session.status(control_id) is Status.FAIL and control_id not in session.waivers:
                self.open_control(control_id)
                return
        self.notify("No failing control left. Well done.")

    def action_fix_all(self) -> None:
        from screens.fix_all import FixAllScreen

        self.app.push_screen(FixAllScreen())

    def action_only_failing(self) -> None:
        self.query_one("#filter-status", Select).value = Status.FAIL.value

    def action_log(self) -> None:
        from screens.log_view import LogScreen

        self.app.push_screen(LogScreen())

    def action_summary(self) -> None:
        from screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen())

    def action_back(self) -> None:
        """Esc: leaving the account is asked first (and in the demo, there is no other account to go to)."""
        from screens.accounts import AccountsScreen
        from screens.leave import LeaveScreen

        app = wizard_app(self)
        demo = len(app.screen_stack) <= 2  # nothing beneath: the demo opened straight on the sandbox
        account = app.session.account_id if app.session else ""
        beneath = app.screen_stack[-2] if len(app.screen_stack) > 1 else None
        back_to = "the accounts overview" if isinstance(beneath, AccountsScreen) else "the connect screen"

        def answered(leave: bool | None) -> None:
            if leave and demo:
                app.exit()
            elif leave:
                app.pop_screen()

        app.push_screen(LeaveScreen(account, demo=demo, back_to=back_to), answered)
