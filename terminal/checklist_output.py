"""What the plain-terminal checklist prints: the control, each step, findings and outcomes. Text from AWS or
the admin is printed inert (`wizard.inert_text`); rich is imported inside functions, as elsewhere here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.inert_text import inert_text

if TYPE_CHECKING:
    from rich.console import Console

    from actions.checklists import Checklist, ChecklistRun, ChecklistStep
    from wizard.audit.findings import Finding

SHOWN_RESOURCES = 20


class ChecklistPrinter:
    """Prints one walk to `console`; it decides nothing."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def header(self, checklist: Checklist) -> None:
        from rich.text import Text

        from wizard.catalog import load_catalog

        control = load_catalog().get(checklist.control_id)
        self.console.rule(Text(f"{control.id} {control.title}", style="bold"), align="left")
        self.console.print(Text(checklist.title, style="bold"))
        self.console.print(Text(checklist.summary))
        self.console.print(Text(checklist.completion.note, style="italic"))
        for warning in checklist.warnings:
            self.console.print(Text.assemble(("Warning: ", "bold yellow"), warning))

    def resume_note(self, checklist: Checklist, done: dict[str, str]) -> None:
        if done:
            last = max(done.values())[:16].replace("T", " ")
            self.console.print(
                f"Resuming: {len(done)} of {len(checklist.steps)} steps were done before (last at {last} UTC)."
            )

    def step(self, run: ChecklistRun, step: ChecklistStep, number: int, total: int, endpoint_url: str | None) -> None:
        from rich.text import Text

        self.console.rule(Text(f"Step {number} of {total}: {step.title}", style="bold"), align="left")
        self.console.print(Text(step.text))
        link = run.link(step)
        if link:
            self.console.print(Text.assemble(("Open: ", "bold"), (link, f"link {link}")))
        for warning in step.warnings:
            self.console.print(Text.assemble(("Warning: ", "bold yellow"), warning))
        call = run.sandbox_call(step)
        if call is not None:
            command = f"{call.cli()} --endpoint-url {endpoint_url}"
            self.console.print(Text.assemble(("Sandbox: ", "bold cyan"), f"{call.purpose}. Run:"))
            self.console.print(inert_text(f"  {command}"), soft_wrap=True)

    def finding(self, finding: Finding) -> None:
        from rich.text import Text

        from wizard.state.progress import PASSING
        from wizard.styles import status_badge

        self.console.print(
            Text.assemble(f"{finding.control_id}: ", status_badge(finding.status), " ", inert_text(finding.summary))
        )
        shown = [r for r in finding.resources if r.status not in PASSING]
        for resource in shown[:SHOWN_RESOURCES]:
            where = f" ({resource.region})" if resource.region and resource.region != "global" else ""
            self.console.print(inert_text(f"  - {resource.id}{where}: {resource.reason}"))
        if len(shown) > SHOWN_RESOURCES:
            self.console.print(f"  ... and {len(shown) - SHOWN_RESOURCES} more (see `cis-wizard audit`).")

    def panel(self, message: str, style: str) -> None:
        from rich import box
        from rich.panel import Panel

        self.console.print(Panel(inert_text(message), box=box.ASCII, border_style=style))
