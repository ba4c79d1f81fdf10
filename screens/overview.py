"""Overview: every control with its status and fix; filter; the score before and after; open a control."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static

from screens.widgets import status_text, top_bar, wizard_app
from wizard.audit.findings import Status
from wizard.catalog import load_catalog

ANY = "any"


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "fix_all", "Fix all…", id="fix-all"),
        Binding("n", "next_failing", "Next failing", id="next-failing"),
        Binding("f", "only_failing", "Only failing", id="only-failing"),
        Binding("l", "log", "Audit log", id="log"),
        Binding("s", "summary", "Summary", id="summary"),
        Binding("escape", "back", "Back", show=False),
    ]
    PALETTE = (
        ("fix_all", "Fix all…", "Plan every failing control that has a fix, review by risk, confirm, apply"),
        ("next_failing", "Next failing control", "Open the next control that fails"),
        ("only_failing", "Show only failing controls", "Filter the table to FAIL"),
    )

    def compose(self) -> ComposeResult:
        catalog = load_catalog()
        yield Header()
        yield from top_bar()
        yield Static("", id="score")
        with Horizontal(id="filters"):
            yield Select([(s.value, s.value) for s in Status], prompt="Status: any", id="filter-status")
            yield Select(
                [(f"{k}. {v}", k) for k, v in catalog.sections.items()], prompt="Section: any", id="filter-section"
            )
            yield Select([("Level 1", 1), ("Level 2", 2)], prompt="Level: any", id="filter-level")
        yield DataTable(id="controls", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self._title_width = 0
        self._resume: str | None = None
        self.refresh_rows()
        self.query_one("#controls", DataTable).focus()
        session = wizard_app(self).session
        if session is not None:
            try:
                self._resume = session.resume_point()
            except Exception:  # a damaged progress file: start from the first failing control
                self._resume = None
            if self._resume and session.progress().last_control:
                self.notify(f"Your session continues at {self._resume}: press n to open it.", timeout=10)

    def on_resize(self) -> None:
        self.refresh_rows()

    def _columns(self, table: DataTable) -> int:
        """(Re)build the columns so that Status and Fix always fit: the title takes what is left."""
        width = max(20, self.size.width - 5 - 3 - 7 - 7 - 12)
        if width != self._title_width:
            table.clear(columns=True)
            table.add_column("ID", key="id", width=5)
            table.add_column("Control", key="title", width=width)
            table.add_column("Lvl", key="level", width=3)
            table.add_column("Status", key="status", width=7)
            table.add_column("Fix", key="fix", width=7)
            self._title_width = width
        return width

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
            waived = " (waived)" if control.id in session.waivers else ""
            table.add_row(
                control.id, control.title + waived, str(control.level), status_text(status), control.fix, key=control.id
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        before, total = session.score(session.before_findings())
        now, _ = session.score()
        failing = sum(1 for c in load_catalog() if session.status(c.id) is Status.FAIL)
        self.query_one("#score", Static).update(
            f"Score: {now}/{total} controls pass (was {before}/{total} at the first audit) · {failing} failing · "
            "Enter opens a control, n the next failing one"
        )

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.refresh_rows()

    @on(DataTable.RowSelected, "#controls")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_control(str(event.row_key.value))

    def open_control(self, control_id: str) -> None:
        from screens.control import ControlScreen

        self.app.push_screen(ControlScreen(control_id))

    def action_next_failing(self) -> None:
        session = wizard_app(self).session
        assert session is not None
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
        from screens.leave import LeaveScreen

        app = wizard_app(self)
        demo = len(app.screen_stack) <= 2  # nothing beneath: the demo opened straight on the sandbox
        account = app.session.account_id if app.session else ""

        def answered(leave: bool | None) -> None:
            if leave and demo:
                app.exit()
            elif leave:
                app.pop_screen()

        app.push_screen(LeaveScreen(account, demo=demo), answered)
