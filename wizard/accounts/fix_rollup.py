"""The roll-up of `apply` across accounts: per account, whether its role was assumed, how many plans were
applied, failed or refused, and which of the chosen controls still fail there; and the exit code (0 only when
every account was reached and nothing fails anywhere, else 3, as `apply` on one account)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table

from wizard.accounts.reach import MemberAccount
from wizard.errors import EXIT_FAILED, EXIT_OK
from wizard.inert_text import inert_text

STILL_FAILING_SHOWN = 8  # ids in the cell; the count is always there


@dataclass(frozen=True)
class PlanCounts:
    applied: int = 0
    failed: int = 0  # a step failed: that account's run stopped there
    not_run: int = 0  # left unrun by that stop, or by a plan they need that did not run
    refused: int = 0  # declined (per plan, for the whole account, or by --risk), or changed and not confirmed again

    @classmethod
    def of(cls, statuses: Iterable[str], left_out: int) -> PlanCounts:
        """From the apply engine's plan statuses (PlanStatus values) and the plans it left out when composing."""
        seen = list(statuses)
        return cls(
            seen.count("applied"), seen.count("failed"), seen.count("not-run"), seen.count("declined") + left_out
        )


@dataclass(frozen=True)
class AccountFix:
    """What `apply` did in one account."""

    account: MemberAccount
    alias: str | None = None
    reached: bool = True
    stopped: str = ""  # unreachable: the AWS error; reached: the error that stopped this account's run
    plans: PlanCounts = PlanCounts()
    still_failing: tuple[str, ...] = ()
    role_session: str = ""  # the assumed-role ARN every call and log record of this account names

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def fixed(self) -> bool:
        return self.reached and not self.stopped and not self.plans.failed and not self.still_failing


def exit_code(fixes: Sequence[AccountFix]) -> int:
    return EXIT_OK if fixes and all(f.fixed for f in fixes) else EXIT_FAILED


def _still_failing_cell(fix: AccountFix) -> str:
    ids = list(fix.still_failing)
    shown = ", ".join(ids[:STILL_FAILING_SHOWN]) + (", …" if len(ids) > STILL_FAILING_SHOWN else "")
    return f"{len(ids)}: {shown}" if ids else "0"


def render_fix_rollup(fixes: Sequence[AccountFix]) -> RenderableType:
    table = Table(title="Apply, account by account", expand=True)
    for column in ("Account", "Alias", "Reached", "Applied", "Failed", "Refused", "Still failing"):
        table.add_column(column)
    for fix in fixes:
        name = fix.alias or fix.account.name
        if not fix.reached:
            table.add_row(
                fix.account_id, inert_text(name, one_line=True), inert_text(f"no: {fix.stopped}", style="red")
            )
            continue
        failed = str(fix.plans.failed) + (f" (+{fix.plans.not_run} not run)" if fix.plans.not_run else "")
        still = inert_text(_still_failing_cell(fix), style="red" if fix.still_failing else "green")
        if fix.stopped:
            still.append_text(inert_text(f"\nstopped: {fix.stopped}", style="red"))
        table.add_row(
            fix.account_id,
            inert_text(name, one_line=True),
            "yes",
            str(fix.plans.applied),
            failed,
            str(fix.plans.refused),
            still,
        )
    return table
