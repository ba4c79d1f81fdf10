"""The Textual wizard driven through real flows with Pilot, against a moto server."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from textual.widgets import Static

from screens.app import WizardApp
from screens.apply import ApplyScreen
from screens.confirm import ConfirmScreen
from screens.control import ControlScreen
from screens.overview import OverviewScreen
from tests.support.pilot import SIZE, connect_and_audit, make_app, open_control, settle
from wizard.audit.findings import Status
from wizard.aws.context import AwsSettings


def password_policy(endpoint: str) -> dict | None:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


async def test_connect_audit_fix_password_policy_and_verify(endpoint: str, tmp_path: Path) -> None:
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        assert app.session is not None and app.session.status("1.5") is Status.FAIL
        control = await open_control(pilot, "1.5")
        plan_text = control.preview
        assert "aws iam update-account-password-policy" in plan_text
        assert "--minimum-password-length 14" in plan_text and "--password-reuse-prevention 24" in plan_text
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, ApplyScreen)
        assert app.screen.outcomes and app.screen.outcomes[0].ok
        assert app.session.status("1.5") is Status.PASS
    assert password_policy(endpoint)["MinimumPasswordLength"] == 14
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    calls = [r for r in records if r["kind"] == "call"]
    assert [c["payload"]["operation"] for c in calls] == ["UpdateAccountPasswordPolicy"]
    assert any(r["kind"] == "verify" and r["control"] == "1.5" for r in records) or any(
        r["kind"] == "verify" for r in records
    )


async def test_cancel_at_the_confirm_makes_no_changing_call(endpoint: str, tmp_path: Path) -> None:
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        await open_control(pilot, "1.5")
        calls_before = app.session.ctx.counter.by_operation.copy()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")  # focus is on No
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        changed = {op for op in app.session.ctx.counter.by_operation if op not in calls_before}
        assert not [op for op in changed if not op.split(":")[1].startswith(("Get", "List", "Describe"))]
    assert password_policy(endpoint) is None


async def test_bad_credentials_are_explained_in_words(endpoint: str, tmp_path: Path) -> None:
    app = WizardApp(AwsSettings(profile="no-such-profile", endpoint_url=endpoint), log_path=tmp_path / "a.jsonl")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#connect")
        await settle(pilot)
        status = app.screen.query_one("#connect-status", Static)
        assert "Unknown AWS profile" in str(status.content)


async def test_help_and_next_failing(endpoint: str, tmp_path: Path) -> None:
    app = make_app(endpoint, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await connect_and_audit(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        assert app.session.status(app.screen.control.id) is Status.FAIL
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)


async def test_access_denied_on_apply_is_explained_and_logged(endpoint: str, tmp_path: Path) -> None:
    from benchmarks.fault_proxy import FaultProxy, deny

    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_rule("iam:UpdateAccountPasswordPolicy", deny())
        app = make_app(proxy.url, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await connect_and_audit(pilot)
            await open_control(pilot, "1.5")
            await pilot.press("a")
            await pilot.pause()
            await pilot.click("#yes")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            failure = screen.outcomes[0].failure
            assert failure is not None and failure.error_code == "AccessDenied"
            assert "not allowed to make this call" in str(screen._lines[next(iter(screen._lines))])
            assert app.session.status("1.5") is Status.FAIL
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    results = [r for r in records if r["kind"] == "result"]
    assert [r["payload"]["status"] for r in results] == ["error"]
    assert results[0]["payload"]["error_code"] == "AccessDenied"


async def test_reopening_resumes_where_the_session_left_off(endpoint: str, tmp_path: Path) -> None:
    first = make_app(endpoint, tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        await open_control(pilot, "2.1")
        await pilot.press("ctrl+q")
    again = make_app(endpoint, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await connect_and_audit(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(again.screen, ControlScreen)
        assert again.screen.control.id == "2.1"
