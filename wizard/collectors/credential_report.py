"""Parse IAM's credential report (CSV) into typed rows.

The report writes "N/A", "no_information", "not_supported" (and moto writes them where AWS would write a
date), so every date column is parsed to a datetime or None, never trusted to be a date.

Rows are not trusted to add up. IAM quotes nothing, yet user names may hold commas (`[\\w+=,.@-]`) and paths
commas and quotes, so a name like `eve,x,x,true,x,x,x,true` would shift the columns and forge
`password_enabled` and `mfa_active`. Each line is read on its own (a quote opened in one row must not swallow
the next), as CSV with quoted fields, and kept only when it has exactly the header's number of fields and its
ARN ends with its user name (root: `arn:<partition>:iam::<account>:root`). A comma in a name adds two fields
(name and ARN), one in a path one, and a quote can only hide commas inside the path itself, so such a row can
never come out with the right count. Every other line is an `UnreadableRow`: the controls that read users'
rows report it as ERROR, never PASS.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


_USER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d+:user/(?:.*/)?(?P<name>[^/]+)")
_ROOT_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d+:root")
_SHOWN = 80  # characters of a user name or ARN quoted in a reason


class CredentialReportError(ValueError):
    """The report could not be read as IAM's CSV format."""


@dataclass(frozen=True)
class UnreadableRow:
    """A line whose columns do not add up: whose credentials it describes cannot be told."""

    line: int  # in the report, the header being line 1
    reason: str  # one line
    text: str  # the line as IAM sent it, for the evidence


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


@dataclass(frozen=True)
class CredentialReport:
    rows: list[CredentialRow]  # root's row included when present
    unreadable: tuple[UnreadableRow, ...] = ()
    generated: datetime | None = None  # GeneratedTime: AWS reuses a report for up to four hours


def _fields(line: str) -> list[str]:
    return next(csv.reader([line], strict=True), [])


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _arn_problem(user: str, arn: str) -> str | None:
    """Why this row's ARN is not its user's, or None."""
    if user == ROOT_USER:
        return None if _ROOT_ARN.fullmatch(arn) else f"names {ROOT_USER} but the ARN {_shown(arn)}"
    found = _USER_ARN.fullmatch(arn)
    if found is None or found["name"] != user:
        return f"names user {_shown(user)} but the ARN {_shown(arn)}"
    return None


def _read_line(line: str, header: list[str]) -> tuple[list[str], str | None]:
    """The line's fields, and why they do not add up (None when they do)."""
    try:
        fields = _fields(line)
    except csv.Error as error:
        return [], f"is not valid CSV ({error})"
    if len(fields) != len(header):
        return fields, f"has {len(fields)} fields where the header has {len(header)}"
    return fields, _arn_problem(fields[header.index("user")], fields[header.index("arn")])


def _row(fields: dict[str, str]) -> CredentialRow:
    return CredentialRow(
        user=fields["user"],
        arn=fields["arn"],
        created=parse_report_date(fields.get("user_creation_time")),
        password_enabled=_flag(fields.get("password_enabled")),
        password_last_used=parse_report_date(fields.get("password_last_used")),
        password_last_changed=parse_report_date(fields.get("password_last_changed")),
        mfa_active=_flag(fields.get("mfa_active")),
        keys=(_key(fields, 1), _key(fields, 2)),
        raw=fields,
    )


def parse_credential_report(content: bytes | str) -> list[CredentialRow]:
    """The rows that add up (`read_credential_report` also gives the lines that do not)."""
    return read_credential_report(content).rows


def read_credential_report(content: bytes | str) -> CredentialReport:
    """The rows that add up, and the lines that do not (CredentialReportError when the header is unusable)."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
    except UnicodeDecodeError as error:
        raise CredentialReportError("the credential report is not UTF-8 text") from error
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    try:
        header = _fields(lines[0])
    except csv.Error as error:
        raise CredentialReportError(f"the credential report's header is not valid CSV: {error}") from error
    missing = [c for c in _REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CredentialReportError(f"the credential report lacks the column(s) {', '.join(missing)}")
    rows: list[CredentialRow] = []
    unreadable: list[UnreadableRow] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields, problem = _read_line(line, header)
        if problem is None:
            rows.append(_row(dict(zip(header, fields, strict=True))))
        else:
            why = f"line {number} of the credential report {problem}: its columns cannot be trusted"
            unreadable.append(UnreadableRow(number, why, line))
    return CredentialReport(rows, tuple(unreadable))


def whole_second(moment: datetime) -> datetime:
    """The same instant in UTC at whole seconds (the report has seconds; ListAccessKeys may have more)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def key_slots(row: CredentialRow, keys: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Report slot number -> ListAccessKeys entry: by creation date (= last_rotated), else by creation order."""
    remaining = sorted(keys, key=lambda k: whole_second(k["CreateDate"]))
    in_report = [column for column in row.keys if column.active or column.last_rotated is not None]
    slots: dict[int, dict[str, Any]] = {}
    for column in in_report:
        if column.last_rotated is None:
            continue
        same_date = [k for k in remaining if whole_second(k["CreateDate"]) == whole_second(column.last_rotated)]
        if len(same_date) == 1:  # two keys made in the same second: leave it to the order below
            slots[column.number] = same_date[0]
            remaining.remove(same_date[0])
    for column in in_report:
        if column.number not in slots and remaining:
            slots[column.number] = remaining.pop(0)
    return slots
