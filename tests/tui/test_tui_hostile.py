"""The wizard on an account named by an attacker: what it draws shows the names as text, and obeys none.

Each check reads the lines a widget draws (`render_lines`: the text Textual sends to the terminal, without
the styles), so a control character that reached them would reach the terminal.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent
from textual.widgets._toast import Toast  # not exported; the toast is where notify's message is drawn

from screens.confirm import ConfirmScreen
from screens.log_view import LogScreen
from screens.widgets import notify_inert
from tests.support.hostile_account import (
    FILTER_NAME,
    INTERFACE_DESCRIPTION,
    MARKUP_GROUP,
    USED_GROUP,
    WAIVER_REASON,
    grant_hostile_waiver,
    raw_controls,
    seed_hostile_account,
    visible,
)
from tests.support.pilot import SIZE, connect_and_audit, make_app, open_control, settle


def drawn(widget: Widget) -> str:
    """Everything the widget draws, its lines joined and blanks collapsed (wrapping breaks lines at spaces)."""
    width, height = widget.size
    lines = widget.render_lines(Region(0, 0, width, height))
    return " ".join(" ".join(strip.text for strip in lines).split())


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_3_1_evidence_shows_the_filter_name_escaped(endpoint: str, tmp_path: Path) -> None:
    seed_hostile_account(endpoint)
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        control = await open_control(pilot, "3.1")
        control.query_one("#control-tabs", TabbedContent).active = "tab-evidence"
        await pilot.pause()
        evidence = drawn(control.query_one("#evidence", Static))
        assert raw_controls(evidence) == []
        assert flat(visible(FILTER_NAME)) in evidence  # the escape sequences are spelled out, in place
        assert "\\x1b]0;pwned\\x07" in evidence and "\\x1b[2J" in evidence and "\\u202e" in evidence
        assert raw_controls(drawn(control.query_one("#fix-status", Static))) == []


async def test_4_1_fix_shows_every_note_and_affected_line_verbatim(endpoint: str, tmp_path: Path) -> None:
    seed_hostile_account(endpoint)
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await connect_and_audit(pilot)
        control = await open_control(pilot, "4.1")
        assert control.fix is not None and control.fix.plans
        plans = control.fix.plans
        affected = [item for plan in plans for item in plan.affected]
        notes = [note for plan in plans for note in plan.notes]
        assert any(INTERFACE_DESCRIPTION in item for item in affected)
        assert any(MARKUP_GROUP in note for note in notes)
        status = drawn(control.query_one("#fix-status", Static))
        assert raw_controls(status) == []
        for line in [f"Affected: {item}" for item in affected] + [f"Note: {note}" for note in notes]:
            assert flat(visible(line)) in status, line
        assert raw_controls(drawn(control.query_one("#plan-view", Static))) == []
        assert MARKUP_GROUP in control.preview and USED_GROUP in control.preview  # the step purposes name them

        await pilot.press("a")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        listing = " ".join(drawn(widget) for widget in confirm.query(Static))
        assert raw_controls(listing) == []
        for item in affected:
            assert flat(visible(f"Affected: {item}")) in listing
        await pilot.press("escape")
        await settle(pilot)


async def test_audit_log_screen_shows_a_hostile_waiver_reason_as_text(endpoint: str, tmp_path: Path) -> None:
    seed_hostile_account(endpoint)
    grant_hostile_waiver(tmp_path / "audit.jsonl")
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await connect_and_audit(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        table = screen.query_one("#log-records", DataTable)
        waiver_rows = [row for row in (table.get_row_at(n) for n in range(table.row_count)) if str(row[2]) == "waiver"]
        assert len(waiver_rows) == 1
        shown = waiver_rows[0][4].plain
        assert shown.startswith(visible("waived: " + WAIVER_REASON)[:40]) and raw_controls(shown) == []
        rendered = drawn(table)
        assert raw_controls(rendered) == [] and "legacy [/] box [bold]\\x1b[2J\\x07" in rendered


async def test_a_toast_quoting_aws_is_shown_as_text() -> None:
    message = "Waivers not read: [/] in [bold]reason\x1b]0;pwned\x07"
    app: App[None] = App()
    async with app.run_test(size=(120, 20), notifications=True) as pilot:
        notify_inert(app.screen, message, severity="warning")  # plain notify would raise MarkupError on "[/]"
        await pilot.pause()
        shown = str(app.screen.query_one(Toast).render())  # the toast's content (headless, it is laid out later)
        assert shown == visible(message)
