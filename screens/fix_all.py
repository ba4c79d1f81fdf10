"""Fix all: every failing control that has a fix, planned at once and reviewed on one screen.

The plans are grouped by risk (safe, disruptive, irreversible), each with its calls and who notices; any can
be unticked. What a plan needs (the alarms' e-mail address) is asked once, in a field that has the focus.
Then one confirm per risk group (the stronger groups need the word or the account id typed), and the plans
run through the apply engine with progress, ending in a summary of what changed and what is left.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Header, Static

from screens.answers_form import AnswersForm
from screens.apply import ERROR_EXPLANATIONS, ApplyScreen
from screens.widgets import connected_session, top_bar
from wizard.inert_text import inert, inert_text
from wizard.plans.confirm_rule import RISK_ORDER
from wizard.plans.model import Plan, Risk

RISK_HEADINGS = {
    Risk.SAFE: "Safe: creates or tightens; nothing that works today stops working",
    Risk.DISRUPTIVE: "Disruptive: may break what relies on the current setup (who notices is listed)",
    Risk.IRREVERSIBLE: "Irreversible: cannot be undone",
}


def plan_lines(plan: Plan) -> Text:
    """A plan as the review shows it: its controls, its calls, who notices, its notes."""
    text = Text()
    for item in plan.affected:
        text.append(inert(f"  who notices: {item}\n"), style="yellow")
    for step in plan.steps:
        text.append(inert(f"  {step.cli()}\n"))
    for note in plan.notes:
        text.append(inert(f"  note: {note}\n"), style="cyan")
    return text


class FixAllScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    def __init__(self) -> None:
        super().__init__()
        self.selection: Any = None
        self.asked_for: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static("Fix all: planning every failing control that has a fix…", classes="title", id="fix-all-title")
        yield AnswersForm(id="fix-all-answers")
        with VerticalScroll(id="fix-all-plans"):
            yield Static(id="fix-all-status")
        with Horizontal(classes="buttons"):
            yield Button(
                "Confirm and apply the ticked plans…", variant="primary", id="fix-all-go", disabled=True, compact=True
            )
            yield Button("Back", id="fix-all-back", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#fix-all-back", Button).focus()
        self._plan()

    @work(thread=True, exclusive=True, group="fix-all", exit_on_error=False)
    def _plan(self) -> None:
        session = connected_session(self)
        try:
            selection = session.prepare_all()
        except Exception as error:
            self.app.call_from_thread(self._say, f"Could not plan: {type(error).__name__}: {error}")
            return
        self.app.call_from_thread(self._show, selection)  # type: ignore[arg-type]  # textual's TypeVar and a coroutine

    def _say(self, message: str) -> None:
        self.query_one("#fix-all-status", Static).update(inert_text(message))

    async def _show(self, selection: Any) -> None:
        self.selection = selection
        session = connected_session(self)
        wanted = [need for plan in selection.refused for need in plan.needs if need not in self.asked_for]
        form = self.query_one(AnswersForm)
        await form.ask(list(dict.fromkeys(wanted)), session.options)
        container = self.query_one("#fix-all-plans", VerticalScroll)
        await container.remove_children(".fix-all-plan")
        widgets: list[Any] = []
        plans = selection.plans
        count = sum(len(p.steps) for p in plans)
        self.query_one("#fix-all-title", Static).update(
            f"Fix all: {len(plans)} plan(s), {count} call(s). Untick what you do not want, then confirm."
        )
        for risk in RISK_ORDER:
            group = [p for p in plans if p.risk is risk]
            if not group:
                continue
            widgets.append(Static(Text(RISK_HEADINGS[risk], style="bold"), classes="fix-all-plan"))
            for plan in group:
                label = f"{', '.join(plan.control_ids)}: {plan.title} ({len(plan.steps)} call(s))"
                widgets.append(Checkbox(inert_text(label), True, id=f"plan-{plan.id}", classes="fix-all-plan"))
                widgets.append(Static(plan_lines(plan), classes="fix-all-plan fix-all-calls"))
        left = selection.not_planned(selection.draft)
        if left:
            text = Text("Not fixed by Fix all (guided controls, answers still needed, refusals):\n", style="bold")
            for item in left:
                text.append(inert(f"  {item.control_id}: {item.reason}\n"), style="yellow")
            widgets.append(Static(text, classes="fix-all-plan"))
        await container.mount_all(widgets)
        self._say("" if plans else "Nothing to fix automatically.")
        go = self.query_one("#fix-all-go", Button)
        go.disabled = not plans
        if plans and not form.asking:
            go.focus()

    @on(AnswersForm.Given)
    def _answers(self, event: AnswersForm.Given) -> None:
        session = connected_session(self)
        session.options = event.options
        self.asked_for.update(event.form.fields)  # asked once: a blank answer is not asked for again
        event.form.hide()
        self._say("Planning again with those answers…")
        self._plan()

    def ticked(self) -> list[Plan]:
        return [p for p in self.selection.plans if self.query_one(f"#plan-{p.id}", Checkbox).value]

    @on(Button.Pressed, "#fix-all-go")
    def _go(self) -> None:
        plans = self.ticked()
        if not plans:
            self.notify("No plan is ticked.")
            return
        groups = [[p for p in plans if p.risk is risk] for risk in RISK_ORDER]
        self._confirm_groups([g for g in groups if g], [])

    def _confirm_groups(self, groups: list[list[Plan]], confirmed: list[Plan]) -> None:
        """One confirm per risk group, safe first; a No to any group stops before anything runs."""
        from screens.confirm import ConfirmScreen

        session = connected_session(self)
        if not groups:
            self.app.push_screen(FixAllRunScreen(self.selection, confirmed, self.ticked()))
            return
        group, rest = groups[0], groups[1:]

        def answered(yes: bool | None) -> None:
            if yes:
                self._confirm_groups(rest, [*confirmed, *group])
            else:
                session.record_cancel(group)
                self.notify("Cancelled. No changes were made.")

        risk = group[0].risk.value
        intro = f"{risk.capitalize()} plans ({len(group)}): {', '.join(c for p in group for c in p.control_ids)}"
        self.app.push_screen(ConfirmScreen(group, session.account_id, intro=intro), answered)

    @on(Button.Pressed, "#fix-all-back")
    def action_back(self) -> None:
        self.app.pop_screen()


class FixAllRunScreen(ApplyScreen):
    """The confirmed plans running, then what changed and what is left."""

    def __init__(self, selection: Any, confirmed: list[Plan], ticked: list[Plan]) -> None:
        super().__init__("Fix all", selection, confirmed, "confirmed in the wizard (Fix all)")
        self.ticked_ids = {p.id for p in ticked}
        self._asking = threading.Lock()

    def engine_confirm(self) -> Any:
        """Confirmed calls run. A ticked plan whose calls changed because another was unticked is asked again."""
        from actions.workflow import Decision

        signatures = {p.signature() for p in self.plans}

        def confirm(plan: Plan) -> Decision:
            if plan.signature() in signatures:
                return Decision(True, self.how)
            if plan.id in self.ticked_ids:
                with self._asking:
                    return self._ask_again(plan, plan)
            return Decision(False, "unticked in the Fix all review")

        return confirm

    def summary(self, report: Any) -> Text:
        session = connected_session(self)
        before, total = session.score(session.before_findings())
        now, _ = session.score()
        text = Text(f"Score: {now}/{total} controls pass (was {before}/{total} at the first audit).\n", style="bold")
        for failed in report.failed:
            step = failed.outcome.failure
            why = ERROR_EXPLANATIONS.get(step.error_code or "", "")
            text.append(inert(f"Failed: {failed.plan.title}: {step.error_code}: {step.message}"), style="bold red")
            text.append(f" ({why})\n" if why else "\n", style="bold red")
        left = report.still_failing()
        if left:
            text.append(f"Still failing ({len(left)}):\n", style="bold")
            reasons = {item.control_id: item.reason for item in report.not_planned}
            for control_id in left:
                reason = reasons.get(control_id) or report.findings()[control_id].summary
                waived = f" (waived: {session.waivers[control_id]})" if control_id in session.waivers else ""
                text.append(inert(f"  {control_id}{waived}: {reason}\n"), style="yellow")
        return text
