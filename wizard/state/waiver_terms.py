"""What a waiver is: one control accepted as failing for now, with a reason, an owner and an expiry date at
most a year away (by the UTC date, so a team across time zones sees the same verdict). The book that keeps
them, and trusts only what the log signs, is `wizard.state.waivers`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from wizard.audit.findings import Finding, Status
from wizard.audit_log.records import Record
from wizard.errors import UsageError
from wizard.state.entered_text import entered_text
from wizard.state.files import StateFileError

WHAT: Final = "waiver file"
MAX_REASON: Final = 500
MAX_OWNER: Final = 100
DEFAULT_WAIVER_DAYS: Final = 90


class WaiverError(UsageError):
    """A waiver that cannot be granted as asked: no reason or owner, a bad expiry, an unknown control."""


def utc_today() -> dt.date:
    """Waivers expire by the UTC date, so a team across time zones sees the same verdict."""
    return dt.datetime.now(dt.UTC).date()


def latest_expiry(today: dt.date) -> dt.date:
    """One year after `today` (29 February -> 28 February): the longest a waiver may run."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def default_expiry(today: dt.date) -> dt.date:
    """What the prompts offer: 90 days from today."""
    return today + dt.timedelta(days=DEFAULT_WAIVER_DAYS)


def check_expiry(expires: dt.date, today: dt.date) -> dt.date:
    if expires <= today:
        raise WaiverError(f"the expiry {expires.isoformat()} must be in the future (after {today.isoformat()}).")
    limit = latest_expiry(today)
    if expires > limit:
        raise WaiverError(f"a waiver lasts at most a year: choose {limit.isoformat()} or earlier.")
    return expires


def parse_expiry(text: str, today: dt.date) -> dt.date:
    """A YYYY-MM-DD date after `today` and at most a year away; WaiverError says what is wrong."""
    try:
        expires = dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise WaiverError(f"{text.strip()!r} is not a date: use YYYY-MM-DD, like 2027-01-31.") from error
    return check_expiry(expires, today)


def clean_text(value: str, what: str, limit: int) -> str:
    return entered_text(value, what, limit, record="a waiver", refuse=WaiverError)


@dataclass(frozen=True)
class Waiver:
    """One control's waiver, as granted (or last changed)."""

    control_id: str
    reason: str
    owner: str
    expires: dt.date
    granted_by: str  # the caller's ARN
    granted_by_user: str  # the local user at the keyboard
    granted_at: str  # UTC, as the log record's time
    log_seq: int | None = None  # the log record that granted or changed it
    expiry_logged_seq: int | None = None  # the log record that said it expired

    def is_expired(self, today: dt.date) -> bool:
        return today > self.expires

    def marker(self, today: dt.date) -> str:
        """What the audit table shows after the status: `waived until 2027-01-31` or `waiver expired ...`."""
        if self.is_expired(today):
            return f"waiver expired {self.expires.isoformat()}"
        return f"waived until {self.expires.isoformat()}"

    def to_report(self, today: dt.date) -> dict[str, Any]:
        """The `waiver` object of a control in `audit --format json`."""
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "expired": self.is_expired(today),
            "granted_by": {"caller": self.granted_by, "user": self.granted_by_user},
            "granted_at": self.granted_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "granted_by": {"caller": self.granted_by, "user": self.granted_by_user},
            "granted_at": self.granted_at,
            "log_seq": self.log_seq,
            "expiry_logged_seq": self.expiry_logged_seq,
        }

    @classmethod
    def from_record(cls, record: Record, expiry: Record | None = None) -> Waiver | None:
        """The waiver a signed `waiver` record granted (None when the record does not read as one)."""
        payload = record.payload
        granted_by = payload.get("granted_by")
        try:
            return cls(
                control_id=str(record.control),
                reason=str(payload["reason"]),
                owner=str(payload["owner"]),
                expires=dt.date.fromisoformat(str(payload["expires"])),
                granted_by=str(granted_by["caller"]),  # type: ignore[index]
                granted_by_user=str(granted_by["user"]),  # type: ignore[index]
                granted_at=record.time,
                log_seq=record.seq,
                expiry_logged_seq=expiry.seq if expiry else None,
            )
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def from_dict(cls, control_id: str, data: Any, path: Path) -> Waiver:
        def bad(why: str) -> StateFileError:
            return StateFileError(f"The {WHAT} {path}: the waiver of {control_id} {why}; fix or move the file away.")

        if not isinstance(data, dict):
            raise bad("is not an object")
        if data.get("control") != control_id:
            raise bad("names another control")
        texts = {name: data.get(name) for name in ("reason", "owner", "expires", "granted_at")}
        for name, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                raise bad(f"has no {name}")
        granted_by = data.get("granted_by")
        if not isinstance(granted_by, dict) or not all(isinstance(granted_by.get(k), str) for k in ("caller", "user")):
            raise bad("has no granted_by {caller, user}")
        seqs = {name: data.get(name) for name in ("log_seq", "expiry_logged_seq")}
        for name, value in seqs.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise bad(f"has a {name} that is not a number")
        try:
            expires = dt.date.fromisoformat(str(texts["expires"]))
        except ValueError as error:
            raise bad(f"has an expiry that is not a date ({texts['expires']!r})") from error
        return cls(
            control_id=control_id,
            reason=str(texts["reason"]),
            owner=str(texts["owner"]),
            expires=expires,
            granted_by=granted_by["caller"],
            granted_by_user=granted_by["user"],
            granted_at=str(texts["granted_at"]),
            log_seq=seqs["log_seq"],
            expiry_logged_seq=seqs["expiry_logged_seq"],
        )


def counts_as_failing(finding: Finding, waiver: Waiver | None, today: dt.date) -> bool:
    """For `audit`'s exit code: a FAIL without a waiver in force, or an ERROR. A waiver accepts a known
    failure; it does not cover a control that could not be read, and an expired one covers nothing."""
    if finding.status is Status.ERROR:
        return True
    return finding.status is Status.FAIL and (waiver is None or waiver.is_expired(today))
