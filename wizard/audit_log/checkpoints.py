"""Signed checkpoints: the head of the log (sequence number, hash of that record's line, time) signed with the
log's Ed25519 key, so that anyone with the public key can tell that a log still holds, and extends, what it
held then.

    {"account": "123456789012", "hash": "<sha256 of record 41's line>", "key": "SHA256:<fingerprint>",
     "seq": 41, "sig": "<base64 Ed25519 signature>", "time": "2025-05-01T09:30:00.123456Z"}

The signature is over "cis-wizard checkpoint\\n" followed by the canonical JSON of the object without `sig`.
The newest checkpoint rides in the head anchor (`anchor`), replaced at every append; the checkpoints of
session ends, anchors and exports are also kept, one a line, in `<log>.checkpoints`; `log anchor` writes one
outside the machine, and `log export --bundle` hands them all to the auditor.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from wizard.audit_log.records import canonical_json
from wizard.audit_log.signing import PublicKey, SigningKey
from wizard.state.files import fsync_dir, open_private, read_private, sibling_path

CHECKPOINT_PREFIX: Final = b"cis-wizard checkpoint\n"
HISTORY_FILE: Final = "The audit log's checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    account: str
    seq: int
    hash: str
    time: str
    key: str  # the fingerprint of the key that signed it
    sig: str

    def body(self) -> dict[str, Any]:
        return {"account": self.account, "hash": self.hash, "key": self.key, "seq": self.seq, "time": self.time}

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "sig": self.sig}

    def line(self) -> bytes:
        return canonical_json(self.to_dict())

    def signed_by(self, public: PublicKey) -> bool:
        return self.key == public.fingerprint and public.verify(
            self.sig, CHECKPOINT_PREFIX + canonical_json(self.body())
        )

    def describe(self) -> str:
        return f"record {self.seq} at {self.time[:19].replace('T', ' ')}Z"

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint | None:
        """A checkpoint, or None for anything that is not one (checked for its form, not its signature)."""
        if not isinstance(data, dict):
            return None
        seq = data.get("seq")
        texts = [data.get(name) for name in ("account", "hash", "time", "key", "sig")]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not all(isinstance(t, str) for t in texts):
            return None
        account, hash_, time, key, sig = (str(text) for text in texts)
        return cls(account, seq, hash_, time, key, sig)


def sign_checkpoint(signer: SigningKey, account: str, seq: int, hash_: str, time: str) -> Checkpoint:
    key = signer.public.fingerprint
    body = {"account": account, "hash": hash_, "key": key, "seq": seq, "time": time}
    return Checkpoint(account, seq, hash_, time, key, signer.sign(CHECKPOINT_PREFIX + canonical_json(body)))


def history_path(log_path: Path) -> Path:
    return sibling_path(log_path, "checkpoints")


def parse_checkpoints(data: bytes) -> tuple[list[Checkpoint], list[int]]:
    """(the checkpoints of a JSON Lines text, the numbers of the lines that are not checkpoints)."""
    found: list[Checkpoint] = []
    bad: list[int] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoint = Checkpoint.from_dict(json.loads(line))
        except (ValueError, RecursionError):
            checkpoint = None
        if checkpoint is None:
            bad.append(number)
        else:
            found.append(checkpoint)
    return found, bad


def read_history(log_path: Path) -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints kept beside the log (none when there is no file)."""
    data = read_private(history_path(log_path), HISTORY_FILE)
    return parse_checkpoints(data or b"")


def append_history(log_path: Path, checkpoint: Checkpoint) -> None:
    """Add a checkpoint to `<log>.checkpoints` (0600, fsynced); the caller holds the log's lock."""
    path = history_path(log_path)
    created = not os.path.lexists(path)
    fd = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, HISTORY_FILE)
    try:
        if created:
            os.fchmod(fd, 0o600)
        os.write(fd, checkpoint.line() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
