"""The wizard's confirms nothing can slip past, and Fix all from the keyboard, on the sandbox."""

from __future__ import annotations

import json
import string
from pathlib import Path

from textual.widgets import Input

from screens.answers_form import AnswersForm
from screens.confirm import ConfirmScreen
from screens.control import ControlScreen
from screens.fix_all import FixAllRunScreen, FixAllScreen
from screens.overview import OverviewScreen
from tests.support.pilot import confirm_from_keyboard, focus, open_control, running, sandbox_app, settle, type_text
from wizard.audit.findings import Status
from wizard.catalog import load_catalog

ANSWERS = {
    "security_contact_name": "Security Team",
    "security_contact_email": "security@example.com",
    "security_contact_phone": "+1 555 0100 123",
    "security_contact_title": "CISO",
}
PANGRAM_ADDRESS = "the.quick.brown.fox.jumps.over.the.lazy.dog@example.com"
assert set(string.ascii_lowercase) <= set(PANGRAM_ADDRESS)


def calls_in(log_path: Path) -> list[dict]:
    if not log_path.exists():
        return []
    return [r for r in map(json.loads, log_path.read_text().splitlines()) if r["kind"] == "call"]


async def test_typing_every_letter_into_the_alarm_address_makes_no_call(sandbox, tmp_path: Path) -> None:
    log_path = tmp_path / "audit.jsonl"
    app = sandbox_app(sandbox, log_path)
    async with running(app) as pilot:
        control = await open_control(pilot, "3.1")
        field = control.query_one("#answer-alarm_endpoint", Input)
        assert control.query_one("#fix-answers").display and app.focused is field  # the field has the focus
        await type_text(pilot, PANGRAM_ADDRESS)
        await pilot.pause()
        assert isinstance(app.screen, ControlScreen)  # "a" opened no confirm, "y" answered nothing
        assert field.value == PANGRAM_ADDRESS
        assert calls_in(log_path) == []
        # Even with the focus moved away, a letter typed while the field is shown reaches no binding.
        control.query_one("#next").focus()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ControlScreen)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "aws sns subscribe" in control.preview and PANGRAM_ADDRESS in control.preview
        await pilot.press("a")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        await type_text(pilot, "yyyy")  # no key answers Yes by itself
        await pilot.pause()
        assert app.screen is confirm and calls_in(log_path) == []
        await focus(pilot, "yes")
        await pilot.press("enter")
        await settle(pilot)
        assert app.session is not None and app.session.status("3.1") is Status.PASS
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    confirms = [r for r in records if r["kind"] == "confirm"]
    first_call = next(i for i, r in enumerate(records) if r["kind"] == "call")
    assert confirms and records.index(confirms[0]) < first_call
    assert all(r["payload"]["answer"] == "yes" for r in confirms)


async def test_fix_all_from_the_keyboard_passes_every_automated_control(sandbox, tmp_path: Path) -> None:
    log_path = tmp_path / "audit.jsonl"
    app = sandbox_app(sandbox, log_path)
    async with running(app) as pilot:
        assert isinstance(app.screen, OverviewScreen)
        before, _ = app.session.score()  # type: ignore[union-attr]
        await pilot.press("a")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, FixAllScreen)
        asking = review.query_one(AnswersForm)
        assert asking.display and set(asking.fields) >= {"alarm_endpoint", *ANSWERS}
        assert app.focused is review.query_one(f"#answer-{asking.fields[0]}", Input)
        for field in list(asking.fields):  # each field in turn: Enter moves on, the last one submits
            assert app.focused is review.query_one(f"#answer-{field}", Input)
            await type_text(pilot, ANSWERS.get(field, "sec@example.com"))
            await pilot.press("enter")
        await settle(pilot)
        assert not asking.display and review.selection.plans
        assert any(p.id == "cis-alarms" for p in review.selection.plans)
        assert calls_in(log_path) == []
        await focus(pilot, "fix-all-go")
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(3):  # one confirm per risk group: safe, disruptive, irreversible
            confirm = app.screen
            if not isinstance(confirm, ConfirmScreen):
                break
            assert calls_in(log_path) == []
            await confirm_from_keyboard(pilot, confirm)
        run = app.screen
        assert isinstance(run, FixAllRunScreen)
        assert run.report is not None and run.report.failed == []
        summary = run.query_one("#result").render()
        assert "Score:" in str(summary)
        session = app.session
        assert session is not None
        now, _ = session.score()
        assert now > before
        automated = [c.id for c in load_catalog() if c.fix == "auto"]
        left = {
            c: session.status(c) for c in automated if session.status(c) not in (Status.PASS, Status.NOT_APPLICABLE)
        }
        assert not left, left  # the sandbox serves the account contact API too
