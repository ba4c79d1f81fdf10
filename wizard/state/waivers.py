"""Waivers: a control accepted as failing for now, with a reason, an owner and an expiry date, per account.

A waiver never changes a control's status: the audit still says FAIL, marked "FAIL (waived until
2027-01-31)". It changes one thing, the audit's exit code: a FAIL under an unexpired waiver no longer makes
`audit` exit 3; an expired waiver is flagged and counts as no waiver at all.

    book = WaiverBook.load(account_id, log_path)                 # log_path: --log, or None for the default
    book.grant(log, "4.4", reason="...", owner="net-team", expires=date(2027, 1, 31))   # -> Waiver
    book.expire_due(log)                                         # records "expired" once per lapsed waiver
    book.get("4.4").is_expired(utc_today())

The book is a JSON file beside the audit log (`<log>.waivers.json`, 0600, replaced atomically). Every grant,
change and expiry is also a `waiver` record in the log (action granted|changed|expired): the log is the
evidence, the file is the index the audit reads, and it is trusted only as far as the log signs it. An entry
counts when it is the control's newest signed grant (record number, reason, owner, expiry, grantor, time);
any other entry, forged or edited, is ignored and named in `book.rejected` (and by `log verify`). A waiver
runs through its expiry date (UTC) and is expired from the day after; it may be granted for at most one year.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from wizard.audit.findings import Finding, Status
from wizard.audit_log.paths import check_account_id, default_log_path
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.signed_state import SignedState, read_signed_state
from wizard.catalog import UnknownControlError, control_id_key, load_catalog
from wizard.errors import UsageError
from wizard.state.files import StateFileError, locked, read_json_object, sibling_path, write_json_atomically

if TYPE_CHECKING:
    from wizard.audit_log.writer import AuditLog

FILE_VERSION: Final = 1
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


def _clean_text(value: str, what: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise WaiverError(f"a waiver needs {what}.")
    if len(text) > limit:
        raise WaiverError(f"{what} is longer than {limit} characters.")
    return text


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


def waivers_path(account_id: str, log_path: Path | None = None) -> Path:
    """`<log>.waivers.json` beside the account's audit log (the default log, or the one given by --log)."""
    return sibling_path(log_path or default_log_path(check_account_id(account_id)), "waivers.json")


def _parse_book(data: dict[str, Any] | None, account_id: str, path: Path) -> dict[str, Waiver]:
    if data is None:
        return {}
    if data.get("version") != FILE_VERSION:
        version = data.get("version")
        raise StateFileError(f"The {WHAT} {path} has version {version!r}; this wizard reads {FILE_VERSION}.")
    if data.get("account") != account_id:
        raise StateFileError(f"The {WHAT} {path} belongs to account {data.get('account')!r}, not {account_id}.")
    entries = data.get("waivers")
    if not isinstance(entries, dict):
        raise StateFileError(f"The {WHAT} {path} has no 'waivers' object; fix or move it away.")
    return {str(cid): Waiver.from_dict(str(cid), entry, path) for cid, entry in entries.items()}


def _mismatch(entry: Waiver, signed: SignedState) -> str | None:
    """Why a file's waiver is not the control's newest signed grant; None when it is."""
    record = signed.grants.get(entry.control_id)
    if record is None:
        return signed.unsigned("grants it")
    if entry.log_seq != record.seq:
        return SignedState.not_newest(entry.log_seq, record)
    logged = Waiver.from_record(record)
    if logged is None:
        return f"record {record.seq} does not read as a waiver"
    differ = [
        f.name
        for f in fields(Waiver)
        if f.name != "expiry_logged_seq" and getattr(entry, f.name) != getattr(logged, f.name)
    ]
    return f"record {record.seq} has another {' and '.join(differ)}" if differ else None


def signed_waivers(
    cached: Mapping[str, Waiver], signed: SignedState, path: Path
) -> tuple[dict[str, Waiver], tuple[str, ...]]:
    """(the file's waivers the log signs, as the log has them; why each other one is ignored)."""
    trusted: dict[str, Waiver] = {}
    rejected: list[str] = []
    for control_id, entry in cached.items():
        why = _mismatch(entry, signed)
        if why is None:
            expiry = signed.expiries.get(signed.grants[control_id].seq)
            trusted[control_id] = replace(entry, expiry_logged_seq=expiry.seq if expiry else None)
        else:
            rejected.append(f"the waiver of {control_id} in {path} is ignored: {why}.")
    return trusted, tuple(rejected)


class WaiverBook:
    """One account's waivers, those the log signs: read with `load`, changed only through `grant` and
    `expire_due` (which log). `rejected` says which entries of the file were ignored, and why."""

    def __init__(
        self,
        account_id: str,
        path: Path,
        waivers: Mapping[str, Waiver],
        rejected: tuple[str, ...] = (),
        log_path: Path | None = None,
    ) -> None:
        self.account_id = account_id
        self.path = path
        self.log_path = log_path or default_log_path(account_id)
        self._waivers = dict(waivers)
        self.rejected = rejected
        self._thread_lock = threading.RLock()  # a screen and its worker thread may share this object

    @classmethod
    def load(cls, account_id: str, log_path: Path | None = None, *, signed: SignedState | None = None) -> WaiverBook:
        """The account's waivers that the log signs (none when the file does not exist yet); a damaged file is
        an error. `signed`: the log's signed state, when the caller has just verified it."""
        check_account_id(account_id)
        book = cls(account_id, waivers_path(account_id, log_path), {}, log_path=log_path)
        book._reload(signed)
        return book

    @property
    def waivers(self) -> Mapping[str, Waiver]:
        """Every waiver, expired ones included, by control id."""
        return MappingProxyType(self._waivers)

    def get(self, control_id: str) -> Waiver | None:
        return self._waivers.get(control_id)

    def active(self, today: dt.date | None = None) -> dict[str, Waiver]:
        day = today or utc_today()
        return {cid: w for cid, w in self._waivers.items() if not w.is_expired(day)}

    def covers(self, control_id: str, today: dt.date | None = None) -> bool:
        """True when the control has a waiver in force today."""
        waiver = self._waivers.get(control_id)
        return waiver is not None and not waiver.is_expired(today or utc_today())

    def due_for_expiry(self, today: dt.date | None = None) -> list[Waiver]:
        """Lapsed waivers whose expiry is not in the log yet."""
        day = today or utc_today()
        lapsed = [w for w in self._waivers.values() if w.is_expired(day) and w.expiry_logged_seq is None]
        return sorted(lapsed, key=lambda w: control_id_key(w.control_id))

    # -- changes (each one logged) -----------------------------------------------------------------------
    def grant(
        self,
        log: AuditLog,
        control_id: str,
        *,
        reason: str,
        owner: str,
        expires: dt.date,
        today: dt.date | None = None,
    ) -> Waiver:
        """Grant a waiver, or change the one in force ("changed"); logged, then saved. Returns the waiver."""
        day = today or utc_today()
        try:
            control_id = load_catalog().get(control_id).id
        except UnknownControlError as error:
            raise WaiverError(str(error)) from error
        reason = _clean_text(reason, "a reason", MAX_REASON)
        owner = _clean_text(owner, "an owner", MAX_OWNER)
        check_expiry(expires, day)
        self._check_log(log)
        with self._thread_lock, locked(self.path, WHAT):
            self._reload()
            previous = self._waivers.get(control_id)
            action = "changed" if previous is not None and not previous.is_expired(day) else "granted"
            payload: dict[str, Any] = {
                "action": action,
                "reason": reason,
                "owner": owner,
                "expires": expires.isoformat(),
                "granted_by": {"caller": log.caller_arn, "user": log.actor.user},
            }
            if previous is not None:
                payload["previous"] = {
                    "reason": previous.reason,
                    "owner": previous.owner,
                    "expires": previous.expires.isoformat(),
                    "expired": previous.is_expired(day),
                }
            written = log.record(Kind.WAIVER, payload, control_id=control_id)
            waiver = Waiver.from_record(written)  # as signed (a secret-looking text is redacted there)
            assert waiver is not None
            self._waivers[control_id] = waiver
            self._save()
        return waiver

    def expire_due(self, log: AuditLog, today: dt.date | None = None) -> list[Waiver]:
        """Record each lapsed waiver's expiry in the log, once; returns those newly recorded."""
        day = today or utc_today()
        if not self.due_for_expiry(day):
            return []
        self._check_log(log)
        recorded: list[Waiver] = []
        with self._thread_lock, locked(self.path, WHAT):
            self._reload()
            for waiver in self.due_for_expiry(day):
                written = log.record(
                    Kind.WAIVER,
                    {
                        "action": "expired",
                        "reason": waiver.reason,
                        "owner": waiver.owner,
                        "expires": waiver.expires.isoformat(),
                        "granted_by": {"caller": waiver.granted_by, "user": waiver.granted_by_user},
                        "granted_at": waiver.granted_at,
                        "granted_seq": waiver.log_seq,
                    },
                    control_id=waiver.control_id,
                )
                expired = replace(waiver, expiry_logged_seq=written.seq)
                self._waivers[waiver.control_id] = expired
                recorded.append(expired)
            self._save()
        return recorded

    # -- the file ----------------------------------------------------------------------------------------
    def _check_log(self, log: AuditLog) -> None:
        if log.account_id != self.account_id:
            raise WaiverError(f"the audit log is account {log.account_id}'s, not {self.account_id}'s.")

    def _reload(self, signed: SignedState | None = None) -> None:
        cached = _parse_book(read_json_object(self.path, WHAT), self.account_id, self.path)
        if cached and signed is None:
            signed = read_signed_state(self.log_path, self.account_id)
        self._waivers, self.rejected = signed_waivers(cached, signed or SignedState(), self.path)

    def _save(self) -> None:
        ordered = sorted(self._waivers.values(), key=lambda w: control_id_key(w.control_id))
        data = {
            "version": FILE_VERSION,
            "account": self.account_id,
            "waivers": {w.control_id: w.to_dict() for w in ordered},
        }
        write_json_atomically(self.path, data, WHAT)
