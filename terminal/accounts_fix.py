"""`cis-wizard plan|apply --organization | --accounts ...`: the fixes of each chosen account, reached through its
role (the audit's account selection and reach code), planned and applied with the one apply engine exactly as
`apply` on one account (terminal/fix.py), each account in its own audit log, then a roll-up.

`apply` asks once per account ("Apply N plans to account ...?", default No) and then per plan as on one
account, or nothing with --yes. Declining an account logs its plans as declined and makes no change in it. A
failing step, or an error, stops that account's run only; the next account goes on.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from terminal.fix import (
    Target,
    allowed_risks,
    apply_to,
    can_confirm,
    dry_run,
    fix_options,
    planned,
    selected_controls,
    session_answers,
)
from wizard.accounts.audit_many import ACCOUNTS_AT_ONCE
from wizard.accounts.command import account_choice, chosen_accounts, role_settings, session_name
from wizard.accounts.fix_rollup import AccountFix, PlanCounts, exit_code, render_fix_rollup
from wizard.accounts.reach import AccountReacher, AccountUnreachable, MemberAccount
from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError, WizardError
from wizard.inert_text import inert, inert_text

SH_REFUSED = (
    "plan --format sh is a script for one account, run with your own credentials; with --organization or "
    "--accounts use --format json (cis-wizard apply reaches each account through its role)."
)


def _reacher(args: argparse.Namespace) -> tuple[AccountReacher, list[MemberAccount]]:
    """Every flag checked first, then the caller's credentials, then the accounts chosen."""
    from wizard.aws.context import AwsContext
    from wizard.cli import aws_settings

    if getattr(args, "log", None):
        raise UsageError("--log names one account's log; with several accounts each keeps its own.")
    choice, role = account_choice(args), role_settings(args)
    for check in (selected_controls, fix_options, allowed_risks, session_answers):
        check(args)  # a bad value is refused before any AWS call
    base = AwsContext(aws_settings(args))
    base.identity()
    accounts = chosen_accounts(base, choice)
    if not accounts:
        raise UsageError("The organization lists no active account.")
    return AccountReacher(base, role, session_name()), accounts


def _reach(args: argparse.Namespace, reacher: AccountReacher, account: MemberAccount) -> tuple[Target, str | None]:
    """The account's target (through its role) and its alias; AccountUnreachable when the role is refused."""
    from actions.wizard_session import connect

    ctx = reacher.context(account.account_id)
    connection = connect(ctx.settings, ctx.session)
    controls, options, risks = selected_controls(args), fix_options(args), allowed_risks(args)
    return Target(connection.ctx, connection.identity, connection.regions, controls, options, risks), connection.alias


# -- plan ------------------------------------------------------------------------------------------------------
def _plan_one(args: argparse.Namespace, reacher: AccountReacher, account: MemberAccount) -> dict[str, Any]:
    from wizard.plans.script import render_plans_json

    entry: dict[str, Any] = {"account_id": account.account_id, "name": account.name}
    try:
        target, alias = _reach(args, reacher, account)
    except AccountUnreachable as error:
        return {**entry, "reached": False, "reason": error.reason}
    entry.update({"alias": alias, "reached": True, "role_session": target.identity.arn})
    try:
        plans, source, _ = planned(target)
    except (WizardError, ClientError, BotoCoreError) as error:
        return {**entry, "error": str(error)}
    return {**entry, **json.loads(render_plans_json(plans, source))}


def run_accounts_plan(args: argparse.Namespace) -> int:
    """A JSON list, one entry per account in the order chosen: that account's `plan --format json` object with
    its name, alias and role session, or why it was not reached. Exit 3 when an account was not planned."""
    from wizard.cli import write_output

    account_choice(args)  # a bad account id first
    if args.format == "sh":
        raise UsageError(SH_REFUSED)
    reacher, accounts = _reacher(args)
    with ThreadPoolExecutor(max_workers=min(ACCOUNTS_AT_ONCE, len(accounts)), thread_name_prefix="plan") as pool:
        entries = list(pool.map(lambda account: _plan_one(args, reacher, account), accounts))
    write_output(json.dumps(entries, indent=2, default=str) + "\n", args.output)
    return EXIT_FAILED if any(not e["reached"] or "error" in e for e in entries) else EXIT_OK


def still_failing(selection: Any, report: Any) -> list[str]:
    """The chosen controls that do not pass after `apply_to` (all of the failing ones when nothing ran)."""
    return (
        report.still_failing() if report is not None else [n.control_id for n in selection.not_planned(selection.draft)]
    )


# -- apply -----------------------------------------------------------------------------------------------------
def account_prompt(account_id: str, alias: str | None, plans: int) -> str:
    name = inert(alias, one_line=True) if alias else "no alias"
    return f"Apply {plans} plan{'s' if plans != 1 else ''} to account {account_id} ({name})?"


class AccountsApply:
    """Applies in each account in turn; what one account asked (the alarms' e-mail) serves the next ones."""

    def __init__(self, args: argparse.Namespace, interactive: bool, console: Any) -> None:
        self.args = args
        self.interactive = interactive
        self.console = console
        driver = session_answers(args).driver
        self.session = {"driver": driver} if driver else {}
        self.options: Any = None

    def _ask_account(self, account_id: str, alias: str | None) -> Any:
        from rich.text import Text

        def ask(selection: Any) -> Any:
            import questionary

            from actions.workflow import Decision

            for plan in selection.plans:
                line = Text(f"  {plan.id} [{', '.join(plan.control_ids)}] ", style="bold")
                line.append_text(inert_text(plan.title))
                self.console.print(line.append(f" (risk: {plan.risk.value})", style="dim"), highlight=False)
            prompt = account_prompt(account_id, alias, len(selection.plans))
            answer = questionary.confirm(prompt, default=False).unsafe_ask()
            return Decision(bool(answer), "yes" if answer else "no")

        return ask

    def one(self, reacher: AccountReacher, account: MemberAccount) -> AccountFix:
        from wizard.audit_log.paths import default_log_path

        named = f" ({account.name})" if account.name else ""
        self.console.rule(inert_text(f"Account {account.account_id}{named}", one_line=True))
        try:
            target, alias = _reach(self.args, reacher, account)
        except AccountUnreachable as error:
            self.console.print(inert_text(f"Not reached: {error.reason}", style="bold red"))
            return AccountFix(account, reached=False, stopped=error.reason)
        if self.options is not None:
            target.options = self.options
        session = target.identity.arn
        if self.args.dry_run:
            dry_run(target, self.console)
            return AccountFix(account, alias, role_session=session)
        ask = None if self.args.yes else self._ask_account(account.account_id, alias)
        try:
            log_path = default_log_path(account.account_id)
            assumed_by = reacher.base.identity().arn  # who assumed the role (the management account's caller)
            selection, report = apply_to(
                target,
                log_path,
                self.console,
                yes=self.args.yes,
                interactive=self.interactive,
                alias=alias,
                ask_account=ask,
                role_session=session,
                assumed_by=assumed_by,
                **self.session,
            )
        except (WizardError, ClientError, BotoCoreError) as error:
            self.console.print(inert_text(f"Stopped in account {account.account_id}: {error}", style="bold red"))
            return AccountFix(account, alias, stopped=str(error), role_session=session)
        self.options = target.options
        counts = PlanCounts()
        if report is not None:
            counts = PlanCounts.of((r.status.value for r in report.results), len(report.composition.left_out))
        left = tuple(still_failing(selection, report))
        return AccountFix(account, alias, plans=counts, still_failing=left, role_session=session)


def run_accounts_apply(args: argparse.Namespace, interactive: bool | None = None) -> int:
    """Each chosen account in turn, then the roll-up; exit 0 only when every account was reached and nothing
    chosen fails in any (3 otherwise). `interactive`: whether to ask (default: when there is a terminal)."""
    from rich.console import Console

    interactive = can_confirm(args) if interactive is None else interactive
    reacher, accounts = _reacher(args)
    console = Console()
    runner = AccountsApply(args, interactive, console)
    fixes = [runner.one(reacher, account) for account in accounts]
    if args.dry_run:
        unreached = [f.account_id for f in fixes if not f.reached]
        console.print(f"Dry run over {len(fixes)} account(s); not reached: {', '.join(unreached) or 'none'}.")
        return EXIT_FAILED if unreached else EXIT_OK
    console.print(render_fix_rollup(fixes))
    return exit_code(fixes)
