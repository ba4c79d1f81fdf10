"""The wizard at 80x24: a snapshot of every screen (and the overview at 120x40), and the keyboard alone
walking a checklist to its last step and recording a waiver.

Each test gets its own sandbox account (two regions), restored from a snapshot made once per test session,
and its own audit log. What changes from run to run (dates, times, temporary paths) is set or masked
before a snapshot is taken, so the pictures compare byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from screens.app import WizardApp
from screens.checklist import ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.control import ControlScreen
from screens.overview import OverviewScreen
from screens.waiver import WaiverScreen
from tests.support.keyrings import MemoryKeyring
from tests.support.pilot import open_row
from wizard.audit_log.signing import SERVICE, keyring_user
from wizard.sandbox import start_sandbox
from wizard.sandbox.account import SANDBOX_ACCOUNT_ID

SMALL = (80, 24)
LARGE = (120, 40)
REGIONS = ["us-east-1", "eu-west-1"]


@pytest.fixture(autouse=True)
def _log_key_in_memory(memory_keyring: MemoryKeyring) -> None:
    """The audit log's key in memory, set through keyring's public API; a throw-away data directory."""
    # The log's signing key made before the demo: a fingerprint the snapshots can show, and no "made the key"
    # notice over the screen.
    memory_keyring.set_password(SERVICE, keyring_user(SANDBOX_ACCOUNT_ID), "ed25519:" + "42" * 32)


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-snapshots")


@pytest.fixture
def sandbox(snapshots: Path) -> Iterator[Any]:
    with start_sandbox("fresh", regions=REGIONS, snapshots=snapshots) as running:
        yield running


def demo(sandbox: Any, tmp_path: Path) -> WizardApp:
    return WizardApp(sandbox_starter=lambda: sandbox, log_path=tmp_path / "audit.jsonl", start_with_sandbox=True)


async def settle(pilot: Any) -> None:
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            return


async def until_overview(pilot: Any) -> None:
    for _ in range(400):
        await settle(pilot)
        if isinstance(pilot.app.screen, OverviewScreen) and pilot.app.session and len(pilot.app.session.current) == 49:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never reached the overview: {pilot.app.screen}")


async def open_control(pilot: Any, control_id: str, tab: str | None = None) -> ControlScreen:
    await until_overview(pilot)
    screen = await open_row(pilot, control_id)
    if tab:
        screen.query_one("#control-tabs").active = tab
        await settle(pilot)
    return screen


def mask(widget: Static, pattern: str, replacement: str) -> None:
    widget.update(re.sub(pattern, replacement, str(widget.render())))


# -- snapshots at 80x24 --------------------------------------------------------------------------------------
RunBefore = Callable[[Any, Path], Awaitable[None]]  # from the start of the demo to a screen


async def visit(pilot: Any, control_id: str | None, *keys: tuple[str, ...]) -> None:
    """From the overview (into the control `control_id`, when given), each group of `keys` pressed in turn and
    the screen left to settle after it."""
    if control_id:
        await open_control(pilot, control_id)
    else:
        await until_overview(pilot)
    for group in keys:
        await pilot.press(*group)
        await settle(pilot)


async def many_calls_to_confirm(pilot: Any, tmp_path: Path) -> None:
    await visit(pilot, "2.5", ("a",))
    confirm = pilot.app.screen
    assert isinstance(confirm, ConfirmScreen)
    assert sum(len(p.steps) for p in confirm.plans) >= 9


async def waiver_form(pilot: Any, tmp_path: Path) -> None:
    await visit(pilot, "4.4", ("k",))
    pilot.app.screen.query_one("#expiry", Input).value = "2027-01-31"


async def log_with_a_waiver(pilot: Any, tmp_path: Path) -> None:
    await visit(pilot, "4.4", ("k",))
    for text in ("reviewed", "netops"):
        await pilot.press(*text, "enter")
    await pilot.press("enter", "enter")  # from the expiry field to "Record the waiver", then press it
    await settle(pilot)
    await pilot.press("escape")
    await visit(pilot, None, ("l",))
    table = pilot.app.screen.query_one("#log-records", DataTable)
    for row in range(table.row_count):
        table.update_cell_at((row, 1), "2026-01-01 00:00:00")
    mask(pilot.app.screen.query_one("#log-status", Static), re.escape(str(tmp_path)), "/tmp")


async def summary(pilot: Any, tmp_path: Path) -> None:
    await visit(pilot, None, ("s",))
    for widget in pilot.app.screen.query(Static):
        if str(tmp_path) in str(widget.render()):
            mask(widget, re.escape(str(tmp_path)), "/tmp")


def keys(control_id: str | None, *groups: tuple[str, ...]) -> RunBefore:
    """A screen reached by keys alone (see `visit`)."""

    async def run_before(pilot: Any, tmp_path: Path) -> None:
        await visit(pilot, control_id, *groups)

    return run_before


def control_tab(tab: str) -> RunBefore:
    async def run_before(pilot: Any, tmp_path: Path) -> None:
        await open_control(pilot, "1.5", tab)

    return run_before


# Each snapshot (tests/tui/__snapshots__/test_tui_small_terminal/test_screen[NAME].svg): its terminal size and
# the way to its screen.
SCREENS: dict[str, tuple[tuple[int, int], RunBefore]] = {
    "overview": (SMALL, keys(None)),
    "overview-large": (LARGE, keys(None)),
    "control-tab-fix": (SMALL, control_tab("tab-fix")),
    "control-tab-evidence": (SMALL, control_tab("tab-evidence")),
    "control-tab-why": (SMALL, control_tab("tab-why")),
    "checklist": (SMALL, keys("1.14", ("c",), ("d", "d"))),
    "confirm-with-many-calls": (SMALL, many_calls_to_confirm),
    "waiver": (SMALL, waiver_form),
    "apply-progress": (SMALL, keys("1.5", ("a",), ("tab", "enter"))),
    "log": (SMALL, log_with_a_waiver),
    "summary": (SMALL, summary),
    "help": (SMALL, keys(None, ("question_mark",))),
    "fix-all-review": (SMALL, keys(None, ("a",))),
}


@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare: Any, sandbox: Any, tmp_path: Path, name: str) -> None:
    size, reach = SCREENS[name]

    async def run_before(pilot: Any) -> None:
        await reach(pilot, tmp_path)

    assert snap_compare(demo(sandbox, tmp_path), terminal_size=size, run_before=run_before)


# -- the keyboard alone, at 80x24 ----------------------------------------------------------------------------
async def test_keyboard_walks_a_checklist_to_its_last_step_and_records_a_waiver(sandbox: Any, tmp_path: Path) -> None:
    from wizard.state.waivers import WaiverBook

    app = demo(sandbox, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await until_overview(pilot)
        table = app.screen.query_one("#controls", DataTable)
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home", *["down"] * 13, "enter")  # 1.14, the 14th row
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen) and app.screen.control.id == "1.14"
        await pilot.press("c")
        await settle(pilot)
        checklist = app.screen
        assert isinstance(checklist, ChecklistScreen)
        steps = checklist.run.checklist.steps
        body = checklist.query_one("#checklist-body")
        for number in range(1, len(steps) + 1):
            current = checklist.query_one(f"#step-{number}")
            assert "▶" in str(current.render())
            # the current step is on screen: its first line inside the list's visible part
            assert current.region.height > 0 and body.region.y <= current.region.y < body.region.bottom
            await pilot.press("d")
            await settle(pilot)
        assert checklist.run.next_step() is None
        assert all("✔" in str(checklist.query_one(f"#step-{n}").render()) for n in range(1, len(steps) + 1))

        await pilot.press("k")
        await settle(pilot)
        waiver = app.screen
        assert isinstance(waiver, WaiverScreen)
        save = waiver.query_one("#save")
        assert save.region.bottom <= SMALL[1]  # the buttons are on screen
        await pilot.press(*"hardware key ordered", "enter", *"secops", "enter", "enter")
        assert app.focused is save
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
    waiver_record = WaiverBook.load("123456789012", tmp_path / "audit.jsonl").get("1.14")
    assert waiver_record is not None and waiver_record.owner == "secops"
