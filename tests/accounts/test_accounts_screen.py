"""The wizard started on several accounts opens on the accounts overview (at 80x24): every account of the
organization with its score, failing count and audit state (the account whose role is refused: unreachable,
with the AWS error); Enter opens that account's own overview, through its role session; Esc comes back."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from benchmarks.fault_proxy import FaultProxy
from screens.accounts import AccountsScreen
from screens.app import WizardApp
from screens.leave import LeaveScreen
from screens.overview import OverviewScreen
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.organization import ROLE, Member, member, with_faults
from tests.support.pilot import settle
from wizard.accounts.command import accounts_launch, session_name
from wizard.aws.context import AwsSettings
from wizard.cli import build_parser


async def test_the_accounts_overview_lists_the_accounts_and_enter_opens_one(
    organization: list[Member], endpoint: str, data_dir: Path, memory_keyring: object
) -> None:
    fresh, missing = member(organization, "fresh"), member(organization, "role-missing")
    launch = accounts_launch(build_parser().parse_args(["--organization"]))
    assert launch is not None
    with FaultProxy(upstream=endpoint) as proxy:
        with_faults(proxy, organization, throttling=False)
        app = WizardApp(AwsSettings(region=HOME, regions=HOME, endpoint_url=proxy.url), accounts=launch)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            table = screen.query_one("#accounts", DataTable)
            ids = [str(key.value) for key in table.rows]
            assert sorted(ids) == sorted([ACCOUNT_ID, *(m.account_id for m in organization)])
            assert table.virtual_size.width <= 80  # every column on the screen at 80 columns
            state = table.get_row(missing.account_id)
            assert "unreachable" in str(state[-1]) and "AccessDenied" in str(state[-1])
            fresh_row = table.get_row(fresh.account_id)
            assert fresh_row[1] == "fresh" or str(fresh_row[1]) == "fresh"  # the account's name, no alias set
            assert "/49" in str(fresh_row[2]) and int(str(fresh_row[3])) > 0
            # Enter on the fresh account (moved to with the keyboard): its overview, through its role.
            for _ in range(ids.index(fresh.account_id) - table.cursor_row):
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, OverviewScreen)
            assert app.session is not None and app.session.account_id == fresh.account_id
            assert app.session.connection.identity.arn == (
                f"arn:aws:sts::{fresh.account_id}:assumed-role/{ROLE}/{session_name()}"
            )
            assert "failing" in str(app.screen.query_one("#score").render())
            # Esc asks; leaving comes back to the accounts, on no account.
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, LeaveScreen) and app.screen.back_to == "the accounts overview"
            await pilot.press("tab", "enter")
            await settle(pilot)
            assert isinstance(app.screen, AccountsScreen) and app.session is None
            # An unreachable account does not open.
            table.move_cursor(row=table.get_row_index(missing.account_id))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, AccountsScreen)
