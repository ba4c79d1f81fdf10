"""Parse IAM's credential report (CSV) into typed rows.

The report writes "N/A", "no_information", "not_supported" (and moto writes them where AWS would write a
date), so every date column is parsed to a datetime or None, never trusted to be a date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

ROOT_USER = "<root_account>"
_NO_DATE = {"", "n/a", "no_information", "not_supported", "none"}
_REQUIRED_COLUMNS = (
    "user",
    "arn",
    "password_enabled",
    "mfa_active",
    "access_key_1_active",
    "access_key_2_active",
)


class CredentialReportError(ValueError):
    """The report could not be read as IAM's CSV format."""


def parse_report_date(value: str | None) -> datetime | None:
    """An ISO-8601 date from the report, or None for its "no date" markers and anything unparseable."""
    text = (value or "").strip()
    if text.lower() in _NO_DATE:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


@dataclass(frozen=True)
class AccessKeyColumns:
    number: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None


@dataclass(frozen=True)
class CredentialRow:
    user: str
    arn: str
    created: datetime | None
    password_enabled: bool
    password_last_used: datetime | None
    password_last_changed: datetime | None
    mfa_active: bool
    keys: tuple[AccessKeyColumns, AccessKeyColumns]
    raw: dict[str, str]

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER

    def active_keys(self) -> list[AccessKeyColumns]:
        return [key for key in self.keys if key.active]


def _key(row: dict[str, str], number: int) -> AccessKeyColumns:
    prefix = f"access_key_{number}_"
    return AccessKeyColumns(
        number=number,
        active=_flag(row.get(prefix + "active")),
        last_rotated=parse_report_date(row.get(prefix + "last_rotated")),
        last_used=parse_report_date(row.get(prefix + "last_used_date")),
    )


def parse_credential_report(content: bytes | str) -> list[CredentialRow]:
    """Rows of the report, root's row included when present."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
    except UnicodeDecodeError as error:
        raise CredentialReportError("the credential report is not UTF-8 text") from error
    try:
        return _parse_rows(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise CredentialReportError(f"the credential report is not valid CSV: {error}") from error


def _parse_rows(reader: csv.DictReader[str]) -> list[CredentialRow]:
    missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CredentialReportError(f"the credential report lacks the column(s) {', '.join(missing)}")
    rows = []
    for row in reader:
        clean = {k: (v or "") for k, v in row.items() if isinstance(k, str)}
        rows.append(
            CredentialRow(
                user=clean["user"],
                arn=clean["arn"],
                created=parse_report_date(clean.get("user_creation_time")),
                password_enabled=_flag(clean.get("password_enabled")),
                password_last_used=parse_report_date(clean.get("password_last_used")),
                password_last_changed=parse_report_date(clean.get("password_last_changed")),
                mfa_active=_flag(clean.get("mfa_active")),
                keys=(_key(clean, 1), _key(clean, 2)),
                raw=clean,
            )
        )
    return rows
