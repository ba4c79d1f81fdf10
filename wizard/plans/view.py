"""A plan for people, with rich: what it fixes, who notices, the exact commands, the risk, the way back.

Titles, notes, affected resources, commands and errors name AWS resources: all shown inert (`wizard.inert_text`).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from wizard.inert_text import inert, inert_text
from wizard.plans.executor import PlanOutcome, StepStatus
from wizard.plans.model import Plan, Risk
from wizard.styles import RISK_STYLES


def _commands(plan: Plan) -> Syntax:
    lines = []
    for step in plan.steps:
        marker = "" if step.risk is Risk.SAFE else f"  [{step.risk.value.upper()}]"
        lines.append(f"# {step.purpose}{marker}")
        lines.append(step.cli())
    return Syntax(inert("\n".join(lines)), "bash", word_wrap=True, theme="ansi_dark", background_color="default")


def render_plan(plan: Plan) -> RenderableType:
    parts: list[RenderableType] = []
    if plan.refused:
        parts.append(inert_text(f"Not done: {plan.refused}", style="bold red"))
    if plan.affected:
        parts.append(Text("Who or what will notice:", style="bold yellow"))
        parts += [inert_text(f"  • {item}") for item in plan.affected]
    if plan.steps:
        parts.append(Text(f"{len(plan.steps)} call(s):", style="bold"))
        parts.append(_commands(plan))
    for note in plan.notes:
        parts.append(inert_text(f"Note: {note}", style="cyan"))
    irreversible = [s for s in plan.steps if s.risk is Risk.IRREVERSIBLE]
    if irreversible:
        parts.append(Text(f"{len(irreversible)} step(s) cannot be undone.", style="bold red"))
    if plan.undo:
        parts.append(Text(f"Undo is available ({len(plan.undo)} call(s)).", style="dim"))
    title = Text.assemble(
        (f"{', '.join(plan.control_ids)}  ", "bold"),
        inert_text(plan.title, one_line=True),
        ("  risk: ", "dim"),
        (plan.risk.value, RISK_STYLES[plan.risk]),
    )
    return Panel(Group(*parts), title=title, title_align="left", border_style=RISK_STYLES[plan.risk])


def render_outcome(outcome: PlanOutcome) -> RenderableType:
    lines: list[RenderableType] = []
    styles = {StepStatus.DONE: "green", StepStatus.FAILED: "bold red", StepStatus.NOT_RUN: "dim"}
    for step in outcome.steps:
        text = Text(f"{step.status.value:>8}  ", style=styles[step.status])
        text.append(inert(step.step.cli()))
        if step.status is StepStatus.FAILED:
            text.append(inert(f"\n          {step.error_code}: {step.message}"), style="red")
        lines.append(text)
    return Group(*lines)
