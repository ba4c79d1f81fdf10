"""Give moto's IAM backend what it lacks about the root user (see MOTO_NOTES.md).

moto's credential report has no `<root_account>` row and its account summary pins AccountMFAEnabled and
AccountAccessKeysPresent at 0. AWS always has both, so the sandbox and the tests seed them on moto's own
backend objects (moto runs in this process: in-process `mock_aws` or a `ThreadedMotoServer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_DATE = "%Y-%m-%dT%H:%M:%S+00:00"


@dataclass(frozen=True)
class RootAccountState:
    mfa_enabled: bool = False
    access_key_active: bool = False
    password_last_used: datetime | None = None
    access_key_last_used: datetime | None = None
    created: datetime = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)


def _date(value: datetime | None, empty: str) -> str:
    return value.astimezone(UTC).strftime(_DATE) if value else empty


def root_report_row(account_id: str, state: RootAccountState, partition: str = "aws") -> str:
    key_rotated = _date(state.created + timedelta(days=1), "N/A") if state.access_key_active else "N/A"
    columns = [
        "<root_account>",
        f"arn:{partition}:iam::{account_id}:root",
        _date(state.created, "N/A"),
        "not_supported",
        _date(state.password_last_used, "no_information"),
        "not_supported",
        "not_supported",
        "true" if state.mfa_enabled else "false",
        "true" if state.access_key_active else "false",
        key_rotated,
        _date(state.access_key_last_used, "N/A"),
        "N/A",
        "N/A",
        "false",
        "N/A",
        "N/A",
        "N/A",
        "N/A",
        "false",
        "N/A",
        "false",
        "N/A",
    ]
    return ",".join(columns)


def seed_root_account(account_id: str, state: RootAccountState, partition: str = "aws") -> None:
    """Set root's MFA/key flags in the account summary and add root's row to the credential report."""
    from moto.iam.models import iam_backends

    backend: Any = iam_backends[account_id][partition]
    backend.account_summary._account_mfa_enabled = int(state.mfa_enabled)
    backend.account_summary._account_access_keys_present = int(state.access_key_active)
    backend.get_credential_report = ReportWithRoot(backend, root_report_row(account_id, state, partition))


class ReportWithRoot:
    """moto's credential report with root's row after the header (a class, not a closure: a snapshot of the
    backend pickles it)."""

    def __init__(self, backend: Any, row: str) -> None:
        self.backend = backend
        self.row = row

    def __call__(self) -> str:
        from moto.iam.models import IAMBackend

        header, _, users = IAMBackend.get_credential_report(self.backend).partition("\n")
        return f"{header}\n{self.row}\n{users}"
