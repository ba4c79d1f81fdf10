"""A few snapshots at a fixed size (80x24): the screens a new user sees first."""

from __future__ import annotations

from pathlib import Path

from screens.app import WizardApp
from tests.support.pilot import sandbox_app, settle
from wizard.aws.context import AwsSettings

SIZE = (80, 24)


async def until_overview(pilot) -> None:  # type: ignore[no-untyped-def]
    from screens.overview import OverviewScreen

    for _ in range(200):
        await settle(pilot)
        if isinstance(pilot.app.screen, OverviewScreen):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never reached the overview: {pilot.app.screen}")


def test_connect_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = WizardApp(AwsSettings(region="eu-west-1"), sandbox_starter=lambda: None, log_path=tmp_path / "a.jsonl")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_help_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = WizardApp(AwsSettings(region="eu-west-1"), log_path=tmp_path / "a.jsonl")
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])


def test_sandbox_overview(snap_compare, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = sandbox_app(sandbox, tmp_path / "a.jsonl")
    assert snap_compare(app, terminal_size=SIZE, run_before=until_overview)


def test_confirm_password_policy(snap_compare, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = sandbox_app(sandbox, tmp_path / "a.jsonl")

    async def open_and_confirm(pilot) -> None:  # type: ignore[no-untyped-def]
        await until_overview(pilot)
        table = pilot.app.screen.query_one("#controls")
        table.move_cursor(row=table.get_row_index("1.5"))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_and_confirm)
