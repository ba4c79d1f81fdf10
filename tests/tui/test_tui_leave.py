"""Esc on the overview asks before leaving: Stay has the focus, Esc or Enter stays, only the Leave button
leaves (to the connect screen with the session's baseline kept, or out of the demo)."""

from __future__ import annotations

from pathlib import Path

from screens.leave import LeaveScreen
from screens.overview import OverviewScreen
from tests.support.pilot import SIZE, connect_and_audit, focus, make_app, sandbox_app, settle


async def test_esc_in_the_demo_asks_and_only_the_button_quits(sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = sandbox_app(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        for stay_key in ("escape", "enter"):  # Esc again, or Enter on the focused Stay: still on the overview
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, LeaveScreen) and app.screen.demo
            assert app.screen.focused is not None and app.screen.focused.id == "stay"
            await pilot.press(stay_key)
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        await focus(pilot, "leave")
        await pilot.press("enter")
        await pilot.pause()
        assert app.return_code is not None or not app.is_running  # the demo quit


async def test_esc_on_an_account_leaves_for_the_connect_screen_and_keeps_the_baseline(
    endpoint: str, tmp_path: Path
) -> None:
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        first = app.session
        assert first is not None
        baseline = first.before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LeaveScreen) and not app.screen.demo
        await focus(pilot, "leave")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, (OverviewScreen, LeaveScreen))  # the connect screen
        await connect_and_audit(pilot)
        assert app.session is not None and app.session is not first
        assert app.session.before is baseline  # the first audit stays the baseline of this run
