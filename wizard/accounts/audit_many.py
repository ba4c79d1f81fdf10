"""Audit many accounts at once: a bounded number in flight, each with its own regional fan-out, each result
exactly what a single-account audit of that account gives; one account's errors never touch another's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from wizard.accounts.reach import AccountReacher, AccountUnreachable, MemberAccount
from wizard.audit.run import AuditResult, run_audit
from wizard.aws.context import AwsContext
from wizard.catalog import Control
from wizard.errors import WizardError

# AWS's rate limits are per account and region, so more accounts at once throttle none of them more; with 4,
# the reads' chains (a trail, then its status, then its bucket) left the service idle (org_audit_speed).
ACCOUNTS_AT_ONCE = 8
PER_ACCOUNT_READS = 16


@dataclass(frozen=True)
class AccountAudit:
    account: MemberAccount
    result: AuditResult | None = None
    unreachable: str | None = None  # why the account could not be audited (the AWS error)

    @property
    def account_id(self) -> str:
        return self.account.account_id


@dataclass(frozen=True)
class AccountProgress:
    account_id: str
    state: str  # "assuming", "auditing", "done", "unreachable"
    detail: str = ""


AccountProgressCallback = Callable[[AccountProgress], None]
ReachedCallback = Callable[[MemberAccount, AwsContext], None]  # the wizard keeps each account's session


def audit_accounts(
    reacher: AccountReacher,
    accounts: Sequence[MemberAccount],
    controls: list[Control],
    *,
    progress: AccountProgressCallback | None = None,
    at_once: int = ACCOUNTS_AT_ONCE,
    on_reached: ReachedCallback | None = None,
) -> list[AccountAudit]:
    """Audit each account (in the order given) through its role; an account whose role cannot be assumed, or
    whose audit cannot start, is reported with the reason, and the others go on. `on_reached` is told each
    account's context before its audit (from the account's own thread)."""
    lock = threading.Lock()

    def tell(update: AccountProgress) -> None:
        if progress is not None:
            with lock:
                progress(update)

    def one(account: MemberAccount) -> AccountAudit:
        tell(AccountProgress(account.account_id, "assuming"))
        try:
            ctx = reacher.context(account.account_id)
            if on_reached is not None:
                on_reached(account, ctx)
            regions = ctx.resolve_regions()
            tell(AccountProgress(account.account_id, "auditing", f"{len(regions)} region(s)"))
            result = run_audit(ctx, controls, regions, max_workers=PER_ACCOUNT_READS)
        except AccountUnreachable as error:
            tell(AccountProgress(account.account_id, "unreachable", error.reason))
            return AccountAudit(account, unreachable=error.reason)
        except WizardError as error:
            tell(AccountProgress(account.account_id, "unreachable", str(error)))
            return AccountAudit(account, unreachable=str(error))
        tell(AccountProgress(account.account_id, "done"))
        return AccountAudit(account, result.without_reads())  # hundreds of accounts: keep only the verdicts

    if not accounts:
        return []
    with ThreadPoolExecutor(max_workers=min(at_once, len(accounts)), thread_name_prefix="account") as pool:
        return list(pool.map(one, accounts))
