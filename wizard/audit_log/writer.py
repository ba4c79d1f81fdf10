"""The API the rest of the wizard records through: sessions, records, and AWS calls as intent + result.

    log = AuditLog.open(identity.account_id, identity.arn)            # --log FILE: path=Path(FILE)
    with log, log.session({"command": "apply"}):
        log.record(Kind.FINDING, finding_payload(finding), control_id="1.5")
        token = log.call_intent({"service": "iam", "operation": "UpdateAccountPasswordPolicy",
                                 "region": "us-east-1", "params": {...}, "cli": "aws iam ..."}, control_id="1.5")
        try:
            response = client.update_account_password_policy(**params)
        except ClientError as error:
            log.call_result(token, "error", error=error)
            raise
        log.call_result(token, "ok", response=response)

The intent is on disk (fsynced) before the call is made, so a crash between the two leaves an intent with
no result: `unfinished_intents()` lists them. `calling()` wraps the same pattern in a `with` block.
Payloads are made JSON-ready (datetimes, bytes, dataclasses) and redacted before they are written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from wizard.audit_log import anchor
from wizard.audit_log.checkpoints import Checkpoint, append_history, sign_checkpoint
from wizard.audit_log.errors import AuditLogError
from wizard.audit_log.keys import LogKey, Notice, load_or_create_keys, stderr_notice
from wizard.audit_log.paths import check_account_id, default_log_path
from wizard.audit_log.reader import read_log
from wizard.audit_log.records import (
    GENESIS_HASH,
    Actor,
    Kind,
    Record,
    canonical_json,
    line_hash,
    record_mac,
    signature_message,
    to_jsonable,
    utc_timestamp,
)
from wizard.audit_log.redact import Redactor
from wizard.audit_log.signing import SigningKey, load_or_create_signer
from wizard.audit_log.storage import LogFile

Outcome = Literal["ok", "error"]


@dataclass(frozen=True)
class CallToken:
    """Hands an intent to its result: the call's id, and the seq of the intent record."""

    call_id: str
    seq: int
    control_id: str | None
    operation: str


@dataclass
class PendingCall:
    """Yielded by `AuditLog.calling()`: set `response` before the block ends to log it with the result."""

    token: CallToken
    response: Any = None


def _error_details(error: BaseException | str | None) -> tuple[str | None, str | None]:
    """(error_code, message) from a botocore ClientError (by its response), another exception, or text."""
    if error is None:
        return None, None
    if isinstance(error, str):
        return None, error
    details = getattr(error, "response", None)
    if isinstance(details, Mapping) and isinstance(details.get("Error"), Mapping):
        code = details["Error"].get("Code")
        message = details["Error"].get("Message") or str(error)
        return (str(code) if code else type(error).__name__), str(message)
    return type(error).__name__, str(error)


def choose_key(candidates: list[LogKey], head: anchor.HeadFile) -> LogKey:
    """The candidate that signed the log's anchor; the first (keyring) when none did."""
    if head.head is not None:
        for key in candidates:
            if head.head.signed_by(key.secret):
                return key
    return candidates[0]


class AuditLog:
    """One account's audit log, open for appending. Thread-safe; several processes may append at once."""

    def __init__(
        self,
        path: Path,
        account_id: str,
        caller_arn: str,
        *,
        actor: Actor | None = None,
        notice: Notice = stderr_notice,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        alias: str | None = None,
    ) -> None:
        self.path = path
        self.account_id = check_account_id(account_id)
        self.caller_arn = caller_arn
        self.alias = alias  # the account's alias, when the caller knows it: recorded at each session start
        self.run_id = uuid.uuid4().hex  # every record of this open log carries it (see `records`)
        self.actor = actor or Actor.local()
        self._clock = clock
        self._redactor = Redactor()
        self._thread_lock = threading.RLock()
        self.session_id: str | None = None
        self._session_records = 0
        self._session_calls: dict[str, CallToken] = {}
        self._file = LogFile(path)
        try:
            with self._file.locked():
                candidates = load_or_create_keys(self.account_id, path, notice)
                head = anchor.read_head(path)
                self.key = choose_key(candidates, head)
                self.signer: SigningKey = load_or_create_signer(self.account_id, path, notice)
                if not head.exists and self._file.tail().empty:
                    genesis = self._checkpoint(0, GENESIS_HASH)
                    anchor.write_genesis_head(path, self.account_id, self.key.secret, genesis)
        except BaseException:
            self._file.close()
            raise

    @classmethod
    def open(
        cls,
        account_id: str,
        caller_arn: str,
        path: Path | None = None,
        *,
        notice: Notice = stderr_notice,
        alias: str | None = None,
    ) -> AuditLog:
        """The account's log: `path` (from --log) or the default file in the user data directory."""
        return cls(path or default_log_path(account_id), account_id, caller_arn, notice=notice, alias=alias)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # -- records -------------------------------------------------------------------------------------
    def record(self, kind: Kind | str, payload: Mapping[str, Any], control_id: str | None = None) -> Record:
        """Append one record (redacted, signed, chained), flushed and fsynced before this returns."""
        kind = Kind(kind)
        with self._thread_lock:  # the redactor remembers secrets across records: one thread at a time
            if self._file.closed:
                raise AuditLogError(f"The audit log {self.path} is closed.")
            cleaned = self._redactor.redact(to_jsonable(dict(payload)))
            return self._append(kind, cleaned, control_id)

    def _append(self, kind: Kind, cleaned: dict[str, Any], control_id: str | None) -> Record:
        with self._file.locked():
            tail = self._file.tail()
            head = anchor.read_head(self.path)
            current = head.head if head.head is not None and head.head.signed_by(self.key.secret) else None
            # An anchor ahead of the file means records were cut off: number past it, so the gap shows.
            seq = max(tail.seq, current.seq if current else 0) + 1
            unsigned: dict[str, Any] = {
                "seq": seq,
                "time": utc_timestamp(self._clock()),
                "account": self.account_id,
                "caller": self.caller_arn,
                "user": self.actor.user,
                "host": self.actor.host,
                "version": self.actor.version,
                "session": self.session_id,
                "kind": kind.value,
                "control": control_id,
                "payload": cleaned,
                "prev": tail.hash,
                "run": self.run_id,
            }
            sealed: dict[str, Any] = {
                **unsigned,
                "hmac": record_mac(self.key.secret, unsigned),
                "sig": self.signer.sign(signature_message(unsigned)),
            }
            line = canonical_json(sealed)
            self._file.append((b"\n" if tail.needs_newline else b"") + line + b"\n")
            # A missing or damaged anchor on a log with records is evidence; only a sound one moves on.
            if current is not None or (not head.exists and tail.empty):
                try:
                    signed = self._checkpoint(seq, line_hash(line))
                    anchor.write_head(self.path, self.account_id, seq, line_hash(line), self.key.secret, signed)
                except OSError as error:  # the record is on disk; the anchor lags, and verify would say so
                    raise AuditLogError(f"Cannot update {head.path}: {error.strerror or error}.") from error
            if self.session_id is not None:
                self._session_records += 1
        return Record(**sealed)

    # -- checkpoints ---------------------------------------------------------------------------------
    def _checkpoint(self, seq: int, hash_: str) -> Checkpoint:
        return sign_checkpoint(self.signer, self.account_id, seq, hash_, utc_timestamp(self._clock()))

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint of the log's newest record now and keep it in `<log>.checkpoints`. None, and
        nothing signed, when the head anchor is not the log's own or not at its last record (a cut log:
        signing it would bless the cut; `verify` names it)."""
        with self._thread_lock, self._file.locked():
            tail = self._file.tail()
            head = anchor.read_head(self.path).head
            if head is None or not head.signed_by(self.key.secret) or (head.seq, head.hash) != (tail.seq, tail.hash):
                return None
            signed = self._checkpoint(tail.seq, tail.hash)
            try:
                append_history(self.path, signed)
            except OSError as error:
                raise AuditLogError(
                    f"Cannot keep the checkpoint beside {self.path}: {error.strerror or error}."
                ) from error
        return signed

    # -- sessions ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, payload: Mapping[str, Any] | None = None) -> Iterator[str]:
        """session-start, then every record carries the session id, then session-end with how it ended."""
        if self.session_id is not None:
            raise RuntimeError("an audit-log session is already open")
        self.session_id = str(uuid.uuid4())
        self._session_records = 0
        self._session_calls = {}
        start: dict[str, Any] = {"pid": os.getpid(), **({"alias": self.alias} if self.alias else {})}
        self.record(Kind.SESSION_START, {**start, **(payload or {})})
        status, detail = "ok", None
        try:
            yield self.session_id
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        except BaseException as error:
            status, detail = "error", f"{type(error).__name__}: {error}"
            raise
        finally:
            end: dict[str, Any] = {"status": status, "records": self._session_records + 1}
            if detail:
                end["error"] = detail
            if self._session_calls:
                end["unfinished_calls"] = [token.call_id for token in self._session_calls.values()]
            try:
                self.record(Kind.SESSION_END, end)
                self.checkpoint()  # each session's end is kept as a signed checkpoint
            finally:
                self.session_id = None

    # -- AWS calls -----------------------------------------------------------------------------------
    def call_intent(self, call: Mapping[str, Any], control_id: str | None = None) -> CallToken:
        """Record what is about to be called ({"service", "operation", "region", "params", "cli"}) before
        calling it; pass the token to `call_result` afterwards."""
        call_id = uuid.uuid4().hex
        written = self.record(Kind.CALL, {"call_id": call_id, **call}, control_id=control_id)
        operation = f"{call.get('service', '?')}:{call.get('operation', '?')}"
        token = CallToken(call_id=call_id, seq=written.seq, control_id=control_id, operation=operation)
        with self._thread_lock:
            self._session_calls[call_id] = token
        return token

    def call_result(
        self,
        token: CallToken,
        outcome: Outcome,
        *,
        response: Any = None,
        error: BaseException | str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Record:
        """Record how the call ended: "ok" with its response, or "error" with the error (code and message);
        `extra` adds fields (the controls the call's plan fixes)."""
        if outcome not in ("ok", "error"):
            raise ValueError(f"outcome must be 'ok' or 'error', not {outcome!r}")
        code, message = _error_details(error)
        payload = {
            "call_id": token.call_id,
            "intent_seq": token.seq,
            "operation": token.operation,
            "status": outcome,
            "error_code": code,
            "message": message,
            "response": response,
            **(extra or {}),
        }
        written = self.record(Kind.RESULT, payload, control_id=token.control_id)
        with self._thread_lock:
            self._session_calls.pop(token.call_id, None)
        return written

    @contextlib.contextmanager
    def calling(self, call: Mapping[str, Any], control_id: str | None = None) -> Iterator[PendingCall]:
        """Intent before the block, result after it: "ok" with `pending.response`, or "error" if it raises.

        An interrupt (Ctrl-C) leaves the intent without a result: whether AWS acted is then unknown, and
        the log says exactly that."""
        pending = PendingCall(self.call_intent(call, control_id))
        try:
            yield pending
        except Exception as error:
            self.call_result(pending.token, "error", error=error)
            raise
        self.call_result(pending.token, "ok", response=pending.response)

    def unfinished_intents(self) -> list[Record]:
        """Call intents in this log with no result: each a call that may or may not have reached AWS."""
        return unfinished_intents(read_log(self.path).records)


def unfinished_intents(records: list[Record]) -> list[Record]:
    open_calls: dict[str, Record] = {}
    for item in records:
        call_id = item.payload.get("call_id")
        if not isinstance(call_id, str):
            continue
        if item.kind == Kind.CALL:
            open_calls[call_id] = item
        elif item.kind == Kind.RESULT:
            open_calls.pop(call_id, None)
    return list(open_calls.values())
