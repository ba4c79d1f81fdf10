"""Driving the Textual wizard with Pilot, as a person at the keyboard does: wait for the workers, tab to a
widget, type, open a control from the overview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from screens.app import WizardApp
from screens.confirm import ConfirmScreen
from screens.control import ControlScreen
from screens.overview import OverviewScreen
from tests.support.accounts import HOME, OTHER
from wizard.aws.context import AwsSettings
from wizard.sandbox import Sandbox

SIZE = (120, 40)


def make_app(endpoint: str, tmp_path: Path) -> WizardApp:
    """The wizard against a moto server, in two regions, logging beside the test."""
    settings = AwsSettings(region=HOME, regions=f"{HOME},{OTHER}", endpoint_url=endpoint)
    return WizardApp(settings, log_path=tmp_path / "audit.jsonl")


def sandbox_app(sandbox: Sandbox, log_path: Path) -> WizardApp:
    """The wizard on the running sandbox, as `cis-wizard demo` starts it, logging to `log_path`."""
    return WizardApp(sandbox_starter=lambda: sandbox, log_path=log_path, start_with_sandbox=True)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for every worker (AWS calls run in threads) and for the screen to catch up."""
    for _ in range(80):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            return


@asynccontextmanager
async def running(app: WizardApp) -> AsyncIterator[Pilot[Any]]:
    """Run the app at SIZE, its first workers done (on the sandbox: connected and audited)."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield pilot


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type `text` key by key into whatever has focus."""
    for character in text:
        await pilot.press(character)


async def fill(pilot: Pilot[Any], field: Input, text: str) -> None:
    """Type `text` into a field the screen shows, as a person who clicked into it would."""
    assert field.display
    field.focus()
    await type_text(pilot, text)


async def focus(pilot: Pilot[Any], widget_id: str) -> None:
    """Tab through the screen until the widget `widget_id` has focus (as a keyboard user does)."""
    for _ in range(60):
        if pilot.app.screen.focused is not None and pilot.app.screen.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


async def connect_and_audit(pilot: Pilot[Any]) -> OverviewScreen:
    """Press Connect on the first screen and wait for the audit's overview."""
    await pilot.pause()
    assert pilot.app.focused is not None and pilot.app.focused.id == "connect"
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OverviewScreen), type(screen)
    return screen


async def open_control(pilot: Pilot[Any], control_id: str) -> ControlScreen:
    """Back to the overview (Escape) if elsewhere, then open the control's row."""
    while not isinstance(pilot.app.screen, OverviewScreen):
        await pilot.press("escape")
        await settle(pilot)
    return await open_row(pilot, control_id)


async def open_row(pilot: Pilot[Any], control_id: str) -> ControlScreen:
    """On the overview: move to the control's row and open it."""
    table = pilot.app.screen.query_one("#controls", DataTable)
    table.move_cursor(row=table.get_row_index(control_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ControlScreen)
    return screen


async def confirm_from_keyboard(pilot: Pilot[Any], confirm: ConfirmScreen) -> None:
    """Type the account id where the confirm asks for it, then press Yes."""
    if confirm.required:
        await focus(pilot, "account-check")
        await type_text(pilot, confirm.required)
    await focus(pilot, "yes")
    await pilot.press("enter")
    await settle(pilot)
