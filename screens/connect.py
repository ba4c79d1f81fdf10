"""Connect: choose an AWS profile and region (or the sandbox); see which account and identity you got."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from screens.widgets import top_bar, wizard_app
from wizard.aws.context import AwsSettings, is_insecure_endpoint
from wizard.errors import WizardError

ENVIRONMENT = "__environment__"


class ConnectScreen(Screen[None]):
    BINDINGS = [Binding("s", "sandbox", "Use the sandbox", id="sandbox")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        with VerticalScroll(id="connect-form"):
            yield Static("Which AWS account should the wizard harden?", classes="title")
            yield Label("Profile (from your AWS config)")
            yield Select(
                [("Environment / default credentials", ENVIRONMENT)], value=ENVIRONMENT, allow_blank=False, id="profile"
            )
            yield Label("Home region (global services are called here)")
            yield Input(placeholder="us-east-1", id="region")
            yield Label("Regions to audit")
            yield Input(placeholder="all (the account's enabled regions) or us-east-1,eu-west-1", id="regions")
            yield Label("Endpoint URL (only for a local emulator)")
            yield Input(placeholder="leave empty for AWS", id="endpoint")
            yield Checkbox("Allow plain http to another computer (session token in clear)", id="insecure")
            with Horizontal(classes="buttons"):
                yield Button("Connect", variant="primary", id="connect")
                yield Button("Try the sandbox", id="sandbox")
            yield Static("", id="connect-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        app = wizard_app(self)
        settings = app.settings
        self.query_one("#region", Input).value = settings.region or ""
        self.query_one("#regions", Input).value = settings.regions or ""
        self.query_one("#endpoint", Input).value = settings.endpoint_url or ""
        self.query_one("#insecure", Checkbox).value = settings.allow_insecure_endpoint
        self.query_one("#sandbox", Button).display = app.sandbox_starter is not None
        self._load_profiles(settings.profile)
        if app.start_with_sandbox:
            self.action_sandbox()
        else:
            self.query_one("#connect", Button).focus()

    @work(thread=True, exclusive=True, group="profiles", exit_on_error=False)
    def _load_profiles(self, wanted: str | None) -> None:
        import boto3

        profiles = sorted(boto3.Session().available_profiles)
        self.app.call_from_thread(self._show_profiles, profiles, wanted)

    def _show_profiles(self, profiles: list[str], wanted: str | None) -> None:
        select = self.query_one("#profile", Select)
        options = [("Environment / default credentials", ENVIRONMENT), *((p, p) for p in profiles)]
        if wanted and wanted not in profiles:
            options.append((f"{wanted} (not in your AWS config)", wanted))
        select.set_options(options)
        select.value = wanted or ENVIRONMENT

    def _settings(self) -> AwsSettings:
        profile = self.query_one("#profile", Select).value
        return AwsSettings(
            profile=None if profile in (ENVIRONMENT, Select.NULL) else str(profile),
            region=self.query_one("#region", Input).value.strip() or None,
            regions=self.query_one("#regions", Input).value.strip() or None,
            endpoint_url=self.query_one("#endpoint", Input).value.strip() or None,
            allow_insecure_endpoint=self.query_one("#insecure", Checkbox).value,
        )

    def _say(self, text: str, style: str = "") -> None:
        status = self.query_one("#connect-status", Static)
        status.set_classes(style)
        status.update(text)

    @on(Button.Pressed, "#connect")
    def action_connect(self) -> None:
        settings = self._settings()
        endpoint = settings.endpoint_url
        if endpoint and is_insecure_endpoint(endpoint) and not settings.allow_insecure_endpoint:
            self._say(
                f"{endpoint} is plain http to another computer: the signed requests, session token included, would "
                "travel in clear. Use https, or tick “Allow plain http” if you mean it.",
                "error",
            )
            return
        self._say("Connecting…")
        self._connect(settings, sandbox=False)

    @on(Button.Pressed, "#sandbox")
    def action_sandbox(self) -> None:
        if wizard_app(self).sandbox_starter is None:
            return
        self._say("Starting the sandbox account (a few seconds, once)…")
        self._start_sandbox()

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _start_sandbox(self) -> None:
        from screens.audit import open_sandbox_session

        try:
            session = open_sandbox_session(wizard_app(self))
        except Exception as error:
            self.app.call_from_thread(self._say, f"The sandbox could not start: {error}", "error")
            return
        self.app.call_from_thread(self._started, session)

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _connect(self, settings: AwsSettings, sandbox: bool) -> None:
        self._do_connect(settings, sandbox)

    def _do_connect(self, settings: AwsSettings, sandbox: bool, boto_session: Any = None) -> None:
        from actions.wizard_session import connect

        try:
            connection = connect(settings, boto_session)
        except WizardError as error:
            self.app.call_from_thread(self._say, str(error), "error")
            return
        except Exception as error:  # anything else is still explained, never a crash
            self.app.call_from_thread(self._say, f"Could not connect: {type(error).__name__}: {error}", "error")
            return
        self.app.call_from_thread(self._connected, connection, sandbox)

    def _connected(self, connection: Any, sandbox: bool) -> None:
        from actions.wizard_session import WizardSession

        app = wizard_app(self)
        self._started(WizardSession(connection, sandbox=sandbox, log_path=app.log_path))

    def _started(self, session: Any) -> None:
        """Audit the account connected to. The same account again keeps the session's first audit as the
        baseline (the summary's "before"), and the changes this run made."""
        from screens.audit import AuditScreen

        app = wizard_app(self)
        if app.session is not None:
            session.carry_over(app.session)
            app.session.close()
        app.session = session
        connection = session.connection
        alias = f" ({connection.alias})" if connection.alias else ""
        self._say(f"Connected to {connection.identity.account_id}{alias} as {connection.identity.arn}.", "ok")
        app.push_screen(AuditScreen())
