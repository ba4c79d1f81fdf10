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
from dataclasses import fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from wizard.audit_log.paths import check_account_id, default_log_path
from wizard.audit_log.records import Kind
from wizard.audit_log.signed_state import SignedState, read_signed_state, signed_entries
from wizard.catalog import UnknownControlError, control_id_key, load_catalog
from wizard.state.files import StateFileError, locked, read_json_object, sibling_path, write_json_atomically
from wizard.state.waiver_terms import (
    MAX_OWNER,
    MAX_REASON,
    WHAT,
    Waiver,
    WaiverError,
    check_expiry,
    clean_text,
    counts_as_failing,
    default_expiry,
    latest_expiry,
    parse_expiry,
    utc_today,
)

if TYPE_CHECKING:
    from wizard.audit_log.writer import AuditLog

__all__ = [
    "Waiver",
    "WaiverBook",
    "WaiverError",
    "counts_as_failing",
    "default_expiry",
    "latest_expiry",
    "parse_expiry",
    "signed_waivers",
    "utc_today",
    "waivers_path",
]

FILE_VERSION: Final = 1


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

    def signed_part(control_id: str, entry: Waiver) -> tuple[Waiver | None, list[str]]:
        why = _mismatch(entry, signed)
        if why is not None:
            return None, [f"the waiver of {control_id} in {path} is ignored: {why}."]
        expiry = signed.expiries.get(signed.grants[control_id].seq)
        return replace(entry, expiry_logged_seq=expiry.seq if expiry else None), []

    return signed_entries(cached, signed_part)


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
        reason = clean_text(reason, "a reason", MAX_REASON)
        owner = clean_text(owner, "an owner", MAX_OWNER)
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
