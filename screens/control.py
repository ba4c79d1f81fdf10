"""Control: why it matters, the evidence, the exact calls of the fix; Apply, Skip (a waiver) or Next."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Markdown, Static, TabbedContent, TabPane

from actions.wizard_session import ControlFix
from screens.answers_form import AnswersForm
from screens.widgets import FieldsFirst, connected_session, notify_inert, status_text, top_bar, wizard_app
from wizard.audit.findings import Finding, Status
from wizard.catalog import load_catalog
from wizard.inert_text import inert, inert_text
from wizard.plans.model import Plan


def plan_commands(plans: list[Plan]) -> str:
    """The plans as commented `aws` commands, inert: purposes and parameters name AWS resources."""
    lines: list[str] = []
    for plan in plans:
        lines.append(f"# {', '.join(plan.control_ids)}: {plan.title} (risk: {plan.risk.value})")
        for step in plan.steps:
            lines.append(f"# {step.purpose} [{step.risk.value}]")
            lines.append(step.cli())
        lines.append("")
    return inert("\n".join(lines))


class ControlScreen(FieldsFirst, Screen[None]):
    BINDINGS = [
        Binding("a", "apply", "Apply…", id="apply", tooltip="Preview the calls, confirm, run them"),
        Binding("c", "checklist", "Checklist", id="checklist", tooltip="The console steps of a guided control"),
        Binding("k", "skip", "Waive…", id="skip", tooltip="Skip: a waiver with a reason, an owner, an expiry"),
        Binding("n", "next", "Next", id="next", tooltip="The next failing control"),
        Binding("v", "verify", "Verify", id="verify", tooltip="Check this control again now"),
        Binding("j", "toggle_json", "JSON", id="toggle-json", tooltip="The fix as commands or as JSON"),
        Binding("w", "why", "Why", id="why", show=False, tooltip="The Why tab: the benchmark's title and text"),
        Binding("escape", "back", "Back", id="back"),
    ]
    PALETTE = (
        ("apply", "Apply this fix", "Preview the calls, confirm, run them"),
        ("verify", "Verify this control now", "Run its check again"),
        ("toggle_json", "Show the plan as JSON / as commands", "Switch how the fix is shown"),
    )

    def __init__(self, control_id: str) -> None:
        super().__init__()
        self.control = load_catalog().get(control_id)
        self.fix: ControlFix | None = None
        self.show_json = False
        self.preview = ""  # exactly the text of the plan shown (commands or JSON)

    def compose(self) -> ComposeResult:
        control = self.control
        yield Header()
        yield from top_bar()
        yield Static(id="control-title", classes="title")
        with TabbedContent(initial="tab-fix", id="control-tabs"):
            with TabPane("Fix", id="tab-fix"), VerticalScroll():
                yield Static("Reading this control's current state…", id="fix-status")
                yield AnswersForm(id="fix-answers")
                yield Static(id="plan-view")
                with Horizontal(classes="buttons"):
                    yield Button("Apply…", variant="primary", id="apply", disabled=True, compact=True)
                    yield Button("Checklist…", id="checklist", compact=True)
                    yield Button("Waive…", id="skip", compact=True)
                    yield Button("Next failing", id="next", compact=True)
            with TabPane("Evidence", id="tab-evidence"), VerticalScroll():
                yield Static("", id="evidence")
            with TabPane("Why", id="tab-why"), VerticalScroll():
                yield Markdown(
                    f"## {control.id} {control.title}\n\nLevel {control.level}, "
                    f"{'scored' if control.scored else 'not scored'}. Fix: **{control.fix}**.\n\n"
                    f"### Description\n\n{control.description}\n\n### Rationale\n\n{control.rationale}\n\n"
                    "### The benchmark's remediation"
                )
                # Plain wrapped text, not a code block: a code block is cut at the screen's edge.
                yield Static(Text(control.remediation), id="why-remediation")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        from actions.checklists import has_checklist

        self.has_checklist = has_checklist(self.control.id)
        self.query_one("#checklist", Button).display = self.has_checklist
        self.query_one("#apply", Button).display = False  # until a plan exists
        self.refresh_bindings()
        self._show_title()
        session = wizard_app(self).session
        if session is not None:
            try:
                session.visit(self.control.id)
            except Exception as error:  # progress is a convenience: never in the way of the fix
                notify_inert(self, f"Progress not saved: {error}", severity="warning")
        self._prepare()

    def _show_title(self) -> None:
        session = wizard_app(self).session
        status = session.status(self.control.id) if session else None
        title = Text(f"{self.control.id}  {self.control.short_title}  ")
        title.append_text(status_text(status))
        if session and self.control.id in session.waivers:
            title.append(f"  waived: {session.waivers[self.control.id]}", style="yellow")
        self.query_one("#control-title", Static).update(title)

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def _prepare(self) -> None:
        session = connected_session(self)
        try:
            fix = session.prepare_fix(self.control.id)
        except Exception as error:
            self.app.call_from_thread(self._say, f"Could not read this control: {type(error).__name__}: {error}")
            return
        self.app.call_from_thread(self._show, fix)  # type: ignore[arg-type]  # textual's TypeVar and a coroutine

    def _say(self, message: str, details: Text | None = None) -> None:
        """The fix tab's status: `message` (which may quote AWS, e.g. a summary or an error) and the plan's
        Affected and Note lines, built as Text so that nothing in either is read as markup."""
        status = inert_text(message)
        if details:
            status.append("\n")
            status.append_text(details)
        self.query_one("#fix-status", Static).update(status)

    async def _show(self, fix: ControlFix) -> None:
        self.fix = fix
        self._show_title()
        self._show_evidence(fix.finding)
        await self._show_plan()

    def _show_evidence(self, finding: Finding) -> None:
        lines = Text()
        lines.append(inert(f"{finding.status.value}: {finding.summary}\n\n"), style="bold")
        for resource in finding.resources:
            lines.append_text(status_text(resource.status))
            lines.append(inert(f"  {resource.id} ({resource.region}): {resource.reason}\n"))
        for evidence in finding.evidence:
            lines.append(inert(f"\n{evidence.operation} in {evidence.region}\n"), style="bold cyan")
            lines.append(inert(f"$ {evidence.cli}\n"), style="green")
            lines.append(inert(json.dumps(evidence.response, indent=2, default=str)[:4000] + "\n"))
        self.query_one("#evidence", Static).update(lines)

    def _status_message(self, fix: ControlFix) -> str:
        finding = fix.finding
        if finding.status is Status.PASS:
            return "This control passes. Nothing to do."
        if self.control.fix != "auto" and self.has_checklist:
            return (
                f"{finding.status.value}: {finding.summary}\nNo API can fix this control: open its checklist"
                " (c) for the console steps; its check or your attestation completes it."
            )
        if self.control.fix != "auto":
            return (
                f"No API can fix this control: it is {self.control.fix}. The benchmark's steps are under "
                "'Why'; press v to verify once done."
            )
        if fix.plans:
            calls = sum(len(p.steps) for p in fix.plans)
            return f"{finding.status.value}: {finding.summary}\nThe fix makes {calls} call(s). Review them, then Apply."
        reasons = "; ".join(p.refused or "" for p in fix.refused) or "nothing can be planned right now"
        return f"{finding.status.value}: {finding.summary}\nNo plan: {reasons}"

    async def _show_plan(self) -> None:
        fix = self.fix
        assert fix is not None
        session = connected_session(self)
        plan_view = self.query_one("#plan-view", Static)
        needed = list(dict.fromkeys(field for plan in fix.refused for field in plan.needs))
        await self.query_one(AnswersForm).ask(needed, session.options)
        self.refresh_bindings()
        apply = self.query_one("#apply", Button)
        apply.disabled = not fix.plans
        apply.display = bool(fix.plans)  # "Apply…" only where there is a plan to apply
        details = Text()
        if not fix.plans:
            self.preview = ""
            plan_view.update("")
        elif self.show_json:
            self.preview = json.dumps([p.to_dict() for p in fix.plans], indent=2)  # ASCII: escapes every control
            plan_view.update(Syntax(self.preview, "json", word_wrap=True, background_color="default"))
        else:
            for plan in fix.plans:
                for item in plan.affected:
                    details.append(inert(f"Affected: {item}\n"), style="yellow")
                for note in plan.notes:
                    details.append(inert(f"Note: {note}\n"), style="cyan")
            self.preview = plan_commands(fix.plans)
            plan_view.update(Syntax(self.preview, "bash", word_wrap=True, background_color="default"))
        self._say(self._status_message(fix), details)

    @on(AnswersForm.Given)
    def _answers_given(self, event: AnswersForm.Given) -> None:
        session = connected_session(self)
        session.options = event.options
        event.form.hide()
        self.refresh_bindings()
        self._say("Planning with those answers…")
        self._prepare()

    async def action_toggle_json(self) -> None:
        self.show_json = not self.show_json
        if self.fix is not None:
            await self._show_plan()

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.fix is None or not self.fix.plans:
            return
        from screens.confirm import ConfirmScreen

        session = connected_session(self)
        plans = self.fix.plans
        selection = self.fix.selection

        def confirmed(answer: bool | None) -> None:
            if answer:
                from screens.apply import ApplyScreen

                self.app.push_screen(ApplyScreen(f"the fix for {self.control.id}", selection, plans))
            else:
                session.record_cancel(plans)
                self.notify("Cancelled. No changes were made.")

        self.app.push_screen(ConfirmScreen(plans, session.account_id), confirmed)

    @on(Button.Pressed, "#checklist")
    def action_checklist(self) -> None:
        if not self.has_checklist:
            self.notify(f"{self.control.id} has no checklist: its fix is {self.control.fix}.")
            return
        from screens.checklist import ChecklistScreen

        self.app.push_screen(ChecklistScreen(self.control.id))

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        from screens.waiver import WaiverScreen

        def waived(reason: str | None) -> None:
            if reason:
                self._show_title()
                self.action_next()

        self.app.push_screen(WaiverScreen(self.control.id), waived)

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        session = connected_session(self)
        ids = [c.id for c in load_catalog()]
        start = ids.index(self.control.id)
        for control_id in ids[start + 1 :] + ids[:start]:
            if session.status(control_id) is Status.FAIL and control_id not in session.waivers:
                self.app.switch_screen(ControlScreen(control_id))
                return
        self.notify("No other failing control.")
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that cannot do anything here are hidden: Apply and JSON without a plan, Checklist without one."""
        if action in ("apply", "toggle_json") and not (self.fix is not None and self.fix.plans):
            return False
        if action == "checklist" and not getattr(self, "has_checklist", False):
            return False
        return super().check_action(action, parameters)

    def action_why(self) -> None:
        self.query_one("#control-tabs", TabbedContent).active = "tab-why"

    def action_verify(self) -> None:
        self._say("Checking again…")
        self._prepare()

    def on_screen_resume(self) -> None:
        if self.fix is not None:
            self._prepare()

    def action_back(self) -> None:
        self.app.pop_screen()
