"""The wizard: connect, audit, walk through every failing control, fix, verify, record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from actions.wizard_session import WizardSession
from wizard.aws.context import AwsSettings

SandboxStarter = Callable[[], Any]  # returns an object with endpoint_url and regions (wizard.sandbox)


class WizardApp(App[None]):
    TITLE = "cis-wizard"
    SUB_TITLE = "CIS AWS Foundations Benchmark v1.2.0"
    CSS_PATH = "wizard.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help", tooltip="Keys and what each screen does"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, tooltip="Every action, and every control by id"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False, id="theme", tooltip="Light or dark theme"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Quit the wizard"),
    ]

    def __init__(
        self,
        settings: AwsSettings | None = None,
        *,
        sandbox_starter: SandboxStarter | None = None,
        log_path: Path | None = None,
        start_with_sandbox: bool = False,
        accounts: Any = None,
    ) -> None:
        super().__init__()
        self.settings = settings or AwsSettings()
        self.sandbox_starter = sandbox_starter
        self.log_path = log_path
        self.start_with_sandbox = start_with_sandbox
        self.accounts = accounts  # wizard.accounts.command.AccountsLaunch: the accounts overview opens first
        self.session: WizardSession | None = None
        self.sandbox: Any = None
        self._demo_log: Path | None = None

    @property
    def is_sandbox(self) -> bool:
        return (self.session is not None and self.session.sandbox) or self.start_with_sandbox

    def on_mount(self) -> None:
        if self.start_with_sandbox:  # the demo: straight to the sandbox, no connect form
            from screens.audit import AuditScreen

            self.push_screen(AuditScreen())
            return
        if self.accounts is not None:
            from screens.accounts import AccountsScreen

            self.push_screen(AccountsScreen(self.accounts))
            return
        from screens.connect import ConnectScreen

        self.push_screen(ConnectScreen())

    def sandbox_log_path(self) -> Path:
        """Where a sandbox session keeps its log: the one given, or a new one for this run of the demo (so a new
        demo starts clean: no steps, waivers or resume point of an earlier one, whose log stays readable)."""
        if self.log_path is not None:
            return self.log_path
        if self._demo_log is None:
            from wizard.sandbox.process import demo_log_path

            self._demo_log = demo_log_path()
        return self._demo_log

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and what each screen does", self.action_help)
        yield SystemCommand(
            "Toggle light/dark theme", "Switch between the light and dark themes", self.action_toggle_theme
        )
        if self.session is not None:
            from screens.log_view import LogScreen
            from screens.summary import SummaryScreen

            yield SystemCommand(
                "Audit log", "The log of every change, with its verification", lambda: self.push_screen(LogScreen())
            )
            yield SystemCommand(
                "Summary", "Before and after, and export the report", lambda: self.push_screen(SummaryScreen())
            )
            yield SystemCommand("Audit again", "Run the whole audit again", self.action_reaudit)
        for action, title, help_text in getattr(screen, "PALETTE", ()):
            yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
        if self.session is not None:  # jump to any control by its id: type "1.14"
            from wizard.catalog import load_catalog

            for control in load_catalog():
                yield SystemCommand(
                    f"{control.id} {control.short_title}", control.title, lambda c=control.id: self.open_control(c)
                )

    def open_control(self, control_id: str) -> None:
        from screens.control import ControlScreen

        if isinstance(self.screen, ControlScreen):
            self.switch_screen(ControlScreen(control_id))
        else:
            self.push_screen(ControlScreen(control_id))

    def action_reaudit(self) -> None:
        from screens.audit import AuditScreen

        self.push_screen(AuditScreen())

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.sandbox is not None:
            self.sandbox.stop()
