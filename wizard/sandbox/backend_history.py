"""Give moto's IAM objects a past: when users and keys were made and last used, and root's MFA device.

The API creates everything "now" and moto never records a sign-in or a key's use, yet controls 1.1, 1.3,
1.4 and 1.21 are about exactly those dates. The server runs in this process, so the seeder writes them
on moto's own objects, as `root_account` does for root's report row and summary flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from wizard.sandbox.account import PARTITION


@dataclass(frozen=True)
class UserHistory:
    user: str
    created: datetime
    password_last_used: datetime | None = None


@dataclass(frozen=True)
class KeyHistory:
    user: str
    key_id: str
    created: datetime
    last_used: datetime | None = None
    service: str = "s3"
    region: str = "us-east-1"


@dataclass(frozen=True)
class RootMfaHistory:
    """Root's virtual MFA device (made through the API), assigned to root the way AWS lists it."""

    serial_number: str
    enabled: datetime
    root_created: datetime


def _naive_utc(moment: datetime) -> datetime:
    # moto keeps naive UTC datetimes (its utcnow()); mixing in aware ones breaks its own comparisons.
    return moment.astimezone(UTC).replace(tzinfo=None)


def _iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id][PARTITION]


def apply_user_history(account_id: str, users: list[UserHistory], keys: list[KeyHistory]) -> None:
    from moto.iam.models import AccessKeyLastUsed

    backend = _iam_backend(account_id)
    for history in users:
        user = backend.get_user(history.user)
        user.create_date = _naive_utc(history.created)
        if history.password_last_used:
            user.password_last_used = _naive_utc(history.password_last_used)
    for key_history in keys:
        key = backend.get_user(key_history.user).get_access_key_by_id(key_history.key_id)
        key.create_date = _naive_utc(key_history.created)
        if key_history.last_used:
            last_used = _naive_utc(key_history.last_used)
            key.last_used = AccessKeyLastUsed(last_used, key_history.service, key_history.region)


def assign_root_virtual_mfa(account_id: str, history: RootMfaHistory) -> None:
    """AWS lists root's virtual device with User = root (Arn ...:root, UserId = the account id).

    moto's EnableMFADevice needs an IAM user name, so the device is assigned on moto's object; its
    response serializer reads the attributes below as the User shape's members.
    """
    device = _iam_backend(account_id).virtual_mfa_devices[history.serial_number]
    device.enable_date = _naive_utc(history.enabled)
    device.user = SimpleNamespace(
        arn=f"arn:{PARTITION}:iam::{account_id}:root",
        user_id=account_id,
        create_date=_naive_utc(history.root_created),
    )
