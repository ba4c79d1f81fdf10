"""Log records: their fields and kinds, canonical JSON, and the hash and HMAC that chain them.

One record is one line of the log, the canonical JSON of an object (keys sorted, no spaces, ASCII only):

    {"account": "123456789012", "caller": "arn:aws:iam::123456789012:user/admin", "control": "1.5",
     "hmac": "<hex>", "host": "laptop", "kind": "call", "payload": {...}, "prev": "<hex>", "seq": 7,
     "session": "<uuid>", "time": "2025-05-01T09:30:00.123456Z", "user": "alice", "version": "0.1.0"}

* `prev` is the SHA-256 of the previous record's line (its bytes, without the newline); the first
  record's `prev` is 64 zeros.
* `hmac` is HMAC-SHA256, with the account's key, over "cis-wizard record\\n" followed by the canonical JSON
  of the record without its `hmac` and `sig` fields.
* `sig` (records written since logs are signed) is the base64 Ed25519 signature, with the log's signing key
  (`signing`), over "cis-wizard record signature\\n" followed by that same canonical JSON: anyone with the
  public key can check it; nobody without the private key can make one.
* `run` (likewise) is the id of the process's open log: every record one run of the wizard or of a command
  writes carries it, in a session or not, so a report can group a wizard run's applies, waivers and
  attestations as the one sitting they were.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import getpass
import hashlib
import hmac
import json
import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from wizard import __version__

GENESIS_HASH: Final = "0" * 64
RECORD_MAC_PREFIX: Final = b"cis-wizard record\n"
RECORD_SIG_PREFIX: Final = b"cis-wizard record signature\n"
_OPTIONAL_FIELDS: Final = ("sig", "run")
_MAX_DEPTH: Final = 64


class Kind(enum.StrEnum):
    SESSION_START = "session-start"
    FINDING = "finding"
    PLAN = "plan"
    CONFIRM = "confirm"
    CALL = "call"  # the intent, written before the AWS call is made
    RESULT = "result"  # the outcome, written after it
    VERIFY = "verify"
    CHECKLIST = "checklist"
    ATTESTATION = "attestation"
    WAIVER = "waiver"
    SESSION_END = "session-end"


class RecordFormatError(ValueError):
    """A line that is JSON but not a log record (a field missing or of the wrong type)."""


@dataclass(frozen=True)
class Actor:
    """Who is at the keyboard, and with which tool: recorded on every record."""

    user: str
    host: str
    version: str

    @classmethod
    def local(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry for the uid (containers)
            user = "unknown"
        return cls(user=user, host=socket.gethostname() or "unknown", version=__version__)


_STR_FIELDS: Final = ("time", "account", "caller", "user", "host", "version", "kind", "prev", "hmac")


@dataclass(frozen=True)
class Record:
    seq: int
    time: str
    account: str
    caller: str
    user: str
    host: str
    version: str
    session: str | None
    kind: str  # a Kind value; kept as text so records of a newer version still read
    control: str | None
    payload: dict[str, Any]
    prev: str
    hmac: str
    sig: str | None = None
    run: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Record:
        if not isinstance(data, dict):
            raise RecordFormatError("not a JSON object")
        seq = data.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise RecordFormatError("seq is not a positive integer")
        for name in _STR_FIELDS:
            if not isinstance(data.get(name), str):
                raise RecordFormatError(f"{name} is missing or not text")
        for name in ("session", "control", *_OPTIONAL_FIELDS):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise RecordFormatError(f"{name} is not text")
        if not isinstance(data.get("payload"), dict):
            raise RecordFormatError("payload is not an object")
        return cls(
            seq=seq,
            time=data["time"],
            account=data["account"],
            caller=data["caller"],
            user=data["user"],
            host=data["host"],
            version=data["version"],
            session=data.get("session"),
            kind=data["kind"],
            control=data.get("control"),
            payload=data["payload"],
            prev=data["prev"],
            hmac=data["hmac"],
            sig=data.get("sig"),
            run=data.get("run"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as its line holds it (the optional fields only where the line has them)."""
        every = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return {k: v for k, v in every.items() if k not in _OPTIONAL_FIELDS or v is not None}

    @property
    def when(self) -> dt.datetime:
        return parse_timestamp(self.time)

    @property
    def control_id(self) -> str | None:
        """The control this record is about (`control` in the file), named as elsewhere in the wizard."""
        return self.control

    @property
    def who(self) -> str:
        return f"{self.user}@{self.host}"


def utc_timestamp(moment: dt.datetime) -> str:
    """`2025-05-01T09:30:00.123456Z`: UTC, microseconds, sortable as text."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def canonical_json(value: Any) -> bytes:
    """The one serialisation hashed and signed: sorted keys, no spaces, ASCII (stable through a reload)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def line_hash(line: bytes) -> str:
    """What the next record's `prev` holds: SHA-256 of this record's line, without its newline."""
    return hashlib.sha256(line).hexdigest()


def record_mac(key: bytes, unsigned: Mapping[str, Any]) -> str:
    return hmac.digest(key, RECORD_MAC_PREFIX + canonical_json(unsigned), "sha256").hex()


def signature_message(unsigned: Mapping[str, Any]) -> bytes:
    """What a record's Ed25519 signature is over: the record without `hmac` and `sig`."""
    return RECORD_SIG_PREFIX + canonical_json(unsigned)


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """Turn what the AWS SDK and our models hand over (datetimes, bytes, dataclasses, sets) into plain JSON."""
    if value is None or type(value) in (str, int, bool):
        return value
    if _depth > _MAX_DEPTH:
        return "[too deeply nested]"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, _depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v, _depth + 1) for v in value), key=repr)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, _depth + 1)
    if isinstance(value, bytes | bytearray | memoryview):
        return "base64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict(), _depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value), _depth + 1)
    if hasattr(value, "read"):  # botocore's StreamingBody: never drain a stream into the log
        return f"[stream {type(value).__name__}]"
    return str(value)
