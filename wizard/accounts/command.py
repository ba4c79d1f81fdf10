"""`cis-wizard audit --organization` / `--accounts ...`: every chosen account audited, then the roll-up."""

from __future__ import annotations

import argparse
import getpass
import io
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.accounts.audit_many import AccountAudit, AccountProgress, audit_accounts
from wizard.accounts.reach import (
    DEFAULT_ROLE,
    AccountChoice,
    AccountReacher,
    MemberAccount,
    RoleSettings,
    organization_accounts,
    parse_account_ids,
)
from wizard.accounts.rollup import failing_controls, render_rollup_json, render_rollup_table
from wizard.audit.reports import Waivers
from wizard.aws.context import AwsContext
from wizard.catalog import Control
from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError
from wizard.inert_text import inert


def add_account_arguments(parser: argparse.ArgumentParser, *, suppress: bool = True) -> None:
    """The account selection of audit, plan, apply and the wizard. A subcommand's flags default to nothing
    (argparse.SUPPRESS), so that `cis-wizard --accounts ... audit` keeps the accounts given before it."""
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("many accounts (through a role in each)")
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--organization",
        action="store_true",
        default=default if suppress else False,
        help="every active account of the organization",
    )
    which.add_argument("--accounts", default=default, help="these accounts: 111111111111,222222222222")
    group.add_argument("--role-name", default=default, help=f"the role to assume in each (default {DEFAULT_ROLE})")
    group.add_argument("--external-id", default=default, help="the external id the role's trust policy asks for")
    group.add_argument("--mfa-serial", default=default, help="your MFA device's ARN, when the role asks for MFA")
    group.add_argument("--mfa-code", default=default, help="the 6-digit code your MFA device shows now")


def many_accounts(args: argparse.Namespace) -> bool:
    """Whether the command runs on chosen accounts (--organization or --accounts) rather than the caller's own."""
    return bool(getattr(args, "organization", False) or getattr(args, "accounts", None))


def account_choice(args: argparse.Namespace) -> AccountChoice:
    ids = parse_account_ids(args.accounts) if getattr(args, "accounts", None) else ()
    organization = bool(getattr(args, "organization", False))
    if organization and ids:
        raise UsageError("--organization and --accounts choose the accounts two ways: give one of them.")
    return AccountChoice(organization=organization, account_ids=ids)


def role_settings(args: argparse.Namespace) -> RoleSettings:
    return RoleSettings(
        role_name=getattr(args, "role_name", None) or DEFAULT_ROLE,
        external_id=getattr(args, "external_id", None),
        mfa_serial=getattr(args, "mfa_serial", None),
        mfa_code=getattr(args, "mfa_code", None),
    )


@dataclass(frozen=True)
class AccountsLaunch:
    """The wizard started on several accounts: which, and through which role (checked before it starts)."""

    choice: AccountChoice
    role: RoleSettings
    session_name: str


def accounts_launch(args: argparse.Namespace) -> AccountsLaunch | None:
    """The accounts the wizard opens on (`cis-wizard --organization`, `--accounts ...`), or None for one."""
    if not many_accounts(args):
        return None
    if getattr(args, "log", None):
        raise UsageError("--log names one account's log; with several accounts each keeps its own.")
    return AccountsLaunch(account_choice(args), role_settings(args), session_name())


def session_name() -> str:
    """The role session name AWS records in CloudTrail and the audit log: cis-wizard and the local user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return ("cis-wizard-" + re.sub(r"[^\w+=,.@-]", "-", user))[:64]


def chosen_accounts(base: AwsContext, choice: AccountChoice) -> list[MemberAccount]:
    if choice.organization:
        return organization_accounts(base)
    return [MemberAccount(account_id) for account_id in choice.account_ids]


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def say(update: AccountProgress) -> None:
        detail = f": {update.detail}" if update.detail else ""
        sys.stderr.write(inert(f"{update.account_id} {update.state}{detail}", one_line=True) + "\n")

    return say


def run_accounts_audit(args: argparse.Namespace, base: AwsContext, controls: list[Control], waivers_of: Any) -> int:
    """Audit every chosen account; print the roll-up (table) or all reports (json). Exit 3 when an account
    could not be audited or a control counts as failing in any account."""
    if args.format not in ("table", "json"):
        raise UsageError(f"--format {args.format} is for one account; with several accounts use table or json.")
    if getattr(args, "log", None):
        raise UsageError("--log names one account's log; with several accounts each keeps its own.")
    choice = account_choice(args)
    accounts = chosen_accounts(base, choice)
    if not accounts:
        raise UsageError("The organization lists no active account.")
    reacher = AccountReacher(base, role_settings(args), session_name())
    audits = audit_accounts(reacher, accounts, controls, progress=_progress_printer())
    waivers: Mapping[str, Waivers] = {a.account_id: waivers_of(a) for a in audits if a.result is not None}
    _write(args, audits, waivers)
    broken = [a for a in audits if a.result is None or failing_controls(a, waivers.get(a.account_id))]
    return EXIT_FAILED if broken else EXIT_OK


def _write(args: argparse.Namespace, audits: list[AccountAudit], waivers: Mapping[str, Waivers]) -> None:
    from rich.console import Console

    if args.format == "json":
        text = render_rollup_json(audits, waivers)
    elif args.output or not sys.stdout.isatty():
        buffer = io.StringIO()
        Console(file=buffer, width=160).print(render_rollup_table(audits, waivers))
        text = buffer.getvalue()
    else:
        Console().print(render_rollup_table(audits, waivers))
        return
    if not args.output:
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot write {args.output}: {error.strerror or error}.") from error
