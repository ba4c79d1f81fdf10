"""Accounts: the wizard started on several accounts (`cis-wizard --organization`, `--accounts ...`) opens here.

Every chosen account is reached through its role and audited (a few at a time, as `audit --organization`
does); the table shows each one's alias, score, failing count and the state of its audit, an unreachable
account with the AWS error. Enter opens that account's overview, with its own session and audit log, as the
wizard on one account does; Esc on that overview comes back here, and the row shows the account as it is now.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from screens.widgets import RowTable, notify_inert, top_bar, wizard_app
from wizard.accounts.audit_many import AccountAudit, AccountProgress
from wizard.accounts.reach import MemberAccount
from wizard.audit.findings import Status
from wizard.inert_text import inert_text

# Widths of the fixed columns at 80 columns; the audit's state takes the rest.
FIXED = {"account": 12, "alias": 16, "score": 5, "failing": 4}
SCROLLBAR = 2


class AccountsScreen(Screen[None]):
    DEFAULT_CSS = """
    AccountsScreen #accounts { height: 1fr; }
    AccountsScreen #accounts-score, AccountsScreen #account-detail { padding: 0 1; height: auto; }
    """
    BINDINGS = [
        Binding("r", "reaudit", "Audit again", id="accounts-reaudit", tooltip="Reach and audit every account again"),
    ]

    def __init__(self, launch: Any) -> None:
        super().__init__()
        self.launch = launch  # wizard.accounts.command.AccountsLaunch
        self.members: list[MemberAccount] = []
        self.states: dict[str, AccountProgress] = {}
        self.audits: dict[str, AccountAudit] = {}
        self.connections: dict[str, Any] = {}  # account id -> actions.wizard_session.Connection (its role session)
        self.sessions: dict[str, Any] = {}  # account id -> WizardSession, kept while the wizard runs
        self._lock = threading.Lock()
        self._state_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield from top_bar()
        yield Static("Reaching the accounts…", id="accounts-score")
        yield RowTable(id="accounts", cursor_type="row", zebra_stripes=True)
        yield Static("", id="account-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#accounts", DataTable).focus()
        self.action_reaudit()

    def on_screen_resume(self) -> None:
        """Back from an account's overview: the wizard is on no account until Enter opens one again."""
        wizard_app(self).session = None
        self.refresh_rows()

    def on_resize(self) -> None:
        self.refresh_rows()

    # -- reaching and auditing (a worker thread) ---------------------------------------------------------------
    def action_reaudit(self) -> None:
        if any(w.is_running for w in self.workers if w.group == "accounts"):
            self.notify("The accounts are being audited already.")
            return
        self.audits.clear()
        self.states.clear()
        self._audit()

    @work(thread=True, exclusive=True, group="accounts", exit_on_error=False)
    def _audit(self) -> None:
        from wizard.accounts.audit_many import audit_accounts
        from wizard.accounts.command import chosen_accounts
        from wizard.accounts.reach import AccountReacher
        from wizard.aws.context import AwsContext
        from wizard.catalog import load_catalog

        try:
            base = AwsContext(wizard_app(self).settings)
            base.identity()
            members = chosen_accounts(base, self.launch.choice)
        except Exception as error:  # no credentials, organizations:ListAccounts refused: said on the screen
            self.app.call_from_thread(self._say, f"Cannot list the accounts: {error}", "error")
            return
        self.app.call_from_thread(self._listed, members)
        reacher = AccountReacher(base, self.launch.role, self.launch.session_name)
        audits = audit_accounts(
            reacher,
            members,
            list(load_catalog()),
            progress=lambda update: self.app.call_from_thread(self._progressed, update),
            on_reached=self._reached,
        )
        self.app.call_from_thread(self._audited, audits)

    def _reached(self, account: MemberAccount, ctx: Any) -> None:
        """In the account's audit thread: its connection (identity, alias, regions), for the overview."""
        from actions.wizard_session import connect

        try:
            connection = connect(ctx.settings, ctx.session)
        except Exception:  # the audit says what is wrong with the account; Enter connects again
            return
        with self._lock:
            self.connections[account.account_id] = connection

    def _listed(self, members: list[MemberAccount]) -> None:
        self.members = members
        self.refresh_rows()

    def _progressed(self, update: AccountProgress) -> None:
        self.states[update.account_id] = update
        self.refresh_rows()

    def _audited(self, audits: list[AccountAudit]) -> None:
        self.audits = {a.account_id: a for a in audits}
        self.refresh_rows()

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#accounts-score", Static).update(inert_text(text, style=style))

    # -- the table ---------------------------------------------------------------------------------------------
    def _columns(self, table: DataTable[object]) -> None:
        padding = 2 * (len(FIXED) + 1)
        width = max(12, self.size.width - sum(FIXED.values()) - padding - SCROLLBAR)
        if width != self._state_width:
            table.clear(columns=True)
            table.add_column("Account", key="account", width=FIXED["account"])
            table.add_column("Alias", key="alias", width=FIXED["alias"])
            table.add_column("Score", key="score", width=FIXED["score"])
            table.add_column("Fail", key="failing", width=FIXED["failing"])
            table.add_column("Audit", key="state", width=width)
            self._state_width = width

    def _alias(self, member: MemberAccount) -> str:
        connection = self.connections.get(member.account_id)
        return (connection.alias if connection is not None else None) or member.name

    def _findings(self, account_id: str) -> dict[str, Any] | None:
        """The account's verdicts now: its session's (after fixes) or its audit's, None before it is audited."""
        session = self.sessions.get(account_id)
        if session is not None and session.current:
            return dict(session.current)
        audit = self.audits.get(account_id)
        if audit is None or audit.result is None:
            return None
        return {r.control.id: r.finding for r in audit.result.results}

    def _state(self, account_id: str) -> Text:
        audit = self.audits.get(account_id)
        if audit is not None and audit.result is None:
            return inert_text(f"unreachable: {audit.unreachable}", style="red", one_line=True)
        if audit is not None:
            return Text("reached, audited", style="green")
        update = self.states.get(account_id)
        if update is None:
            return Text("waiting", style="dim")
        if update.state == "unreachable":
            return inert_text(f"unreachable: {update.detail}", style="red", one_line=True)
        return inert_text(f"{update.state} {update.detail}".strip(), style="yellow", one_line=True)

    def refresh_rows(self) -> None:
        table = self.query_one("#accounts", DataTable)
        keep = table.cursor_row
        self._columns(table)
        table.clear()
        for member in self.members:
            findings = self._findings(member.account_id)
            score, failing = "-", "-"
            if findings is not None:
                score = f"{sum(f.status is Status.PASS for f in findings.values())}/{len(findings)}"
                failing = str(sum(f.status is Status.FAIL for f in findings.values()))
            alias = inert_text(self._alias(member), one_line=True)
            table.add_row(
                member.account_id, alias, score, failing, self._state(member.account_id), key=member.account_id
            )
        if table.row_count:
            table.move_cursor(row=min(max(keep, 0), table.row_count - 1))
        self._show_counts()
        self._show_selected()

    def _show_counts(self) -> None:
        if not self.members:
            return
        audited = sum(1 for a in self.audits.values() if a.result is not None)
        unreachable = sum(1 for a in self.audits.values() if a.result is None)
        done = "" if len(self.audits) == len(self.members) else " · auditing…"
        self._say(f"{len(self.members)} account(s): {audited} audited, {unreachable} unreachable{done} · Enter opens")

    def _selected(self) -> str | None:
        table = self.query_one("#accounts", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _show_selected(self) -> None:
        """The highlighted account's whole audit state under the table (an AWS error is longer than its cell)."""
        account_id = self._selected()
        line = self.query_one("#account-detail", Static)
        if account_id is None:
            line.update("")
            return
        text = Text(f"{account_id} ", style="bold")
        line.update(text.append_text(self._state(account_id)))

    @on(DataTable.RowHighlighted, "#accounts")
    def _highlighted(self) -> None:
        self._show_selected()

    # -- opening an account ------------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#accounts")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_account(str(event.row_key.value))

    def open_account(self, account_id: str) -> None:
        audit = self.audits.get(account_id)
        if audit is None:
            self.notify(f"{account_id} is still being audited.")
            return
        if audit.result is None:
            notify_inert(self, f"{account_id} was not reached: {audit.unreachable}", severity="warning")
            return
        session = self.sessions.get(account_id)
        if session is None:
            connection = self.connections.get(account_id)
            if connection is None:
                self.notify(f"{account_id} has no session to open: press r to reach it again.", severity="warning")
                return
            session = self._new_session(connection, audit)
        self._enter(session)

    def _new_session(self, connection: Any, audit: AccountAudit) -> Any:
        """The account's session: its role's connection, its own log (the default one of the account), and
        the audit just made as its first audit (the overview's "before")."""
        from actions.wizard_session import WizardSession

        assert audit.result is not None
        session = WizardSession(connection)
        session.before = audit.result
        session.current = {r.control.id: r.finding for r in audit.result.results}
        self.sessions[audit.account_id] = session
        return session

    def _enter(self, session: Any) -> None:
        from screens.overview import OverviewScreen

        app = wizard_app(self)
        app.session = session
        try:
            session.refresh_waivers()
        except Exception as error:  # a damaged waiver file is reported, the audit stands
            notify_inert(self, f"Waivers not read: {error}", severity="warning")
        for notice in session.take_notices():
            notify_inert(self, notice, severity="warning")
        app.push_screen(OverviewScreen())

    def on_unmount(self) -> None:
        app = wizard_app(self)
        for session in self.sessions.values():
            if session is not app.session:  # the app closes its own
                session.close()
