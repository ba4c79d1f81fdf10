"""The head anchor: the newest record's sequence number and hash, signed, in `<log>.head`: with the HMAC key
(`hmac`, as logs have always been), and as an Ed25519 checkpoint (`time`, `key`, `sig`; see `checkpoints`) that
the public key alone can check.

A hash chain proves what is in the file, not that nothing is missing after its last line. So the writer
creates the anchor at seq 0 (before the first record) and replaces it after every append (write, fsync,
rename: a crash leaves the old anchor or the new one, and the old one is merely one record behind).
`verify` then requires the record the anchor names to be in the log with that hash; an anchor past the
end of the log means records were cut off.

A writer that finds the anchor ahead of the log continues numbering after the anchor, so the gap stays
in the log for `verify` to name. It never recreates a missing or damaged anchor for a log that has
records: that would erase the evidence. Limits: whoever holds the keys can rewrite anything, and putting
back an old anchor together with cutting the log back to it cannot be told from the log as it was then;
`log anchor` keeps a signed checkpoint outside the machine, against which such a rollback shows.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wizard.audit_log.checkpoints import Checkpoint
from wizard.audit_log.paths import head_file_path
from wizard.audit_log.records import GENESIS_HASH, canonical_json
from wizard.state.files import read_private, write_private_atomically

HEAD_MAC_PREFIX: Final = b"cis-wizard head\n"


@dataclass(frozen=True)
class Head:
    account: str
    seq: int
    hash: str
    mac: str
    checkpoint: Checkpoint | None = None  # the Ed25519-signed form, in anchors written since it exists

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(head_mac(key, self.account, self.seq, self.hash), self.mac)


@dataclass(frozen=True)
class HeadFile:
    """What is on disk: no file, a file that is not an anchor (head None), or an anchor to check."""

    path: Path
    exists: bool
    head: Head | None


def head_mac(key: bytes, account: str, seq: int, hash_: str) -> str:
    body = canonical_json({"account": account, "hash": hash_, "seq": seq})
    return hmac.digest(key, HEAD_MAC_PREFIX + body, "sha256").hex()


def read_head(log_path: Path) -> HeadFile:
    path = head_file_path(log_path)
    try:
        raw = read_private(path, "The audit log's head anchor")
        if raw is None:
            return HeadFile(path, exists=False, head=None)
        data = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return HeadFile(path, exists=True, head=None)
    if not isinstance(data, dict):
        return HeadFile(path, exists=True, head=None)
    account, seq, hash_, mac = (data.get(name) for name in ("account", "seq", "hash", "hmac"))
    if (
        isinstance(account, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 0
        and isinstance(hash_, str)
        and isinstance(mac, str)
    ):
        checkpoint = Checkpoint.from_dict(data) if "sig" in data else None
        return HeadFile(path, exists=True, head=Head(account, seq, hash_, mac, checkpoint))
    return HeadFile(path, exists=True, head=None)


def write_head(
    log_path: Path, account: str, seq: int, hash_: str, key: bytes, checkpoint: Checkpoint | None = None
) -> None:
    """Replace the anchor atomically; the caller holds the log's lock."""
    body: dict[str, object] = {
        "account": account,
        "hash": hash_,
        "seq": seq,
        "hmac": head_mac(key, account, seq, hash_),
    }
    if checkpoint is not None:
        body.update(time=checkpoint.time, key=checkpoint.key, sig=checkpoint.sig)
    write_private_atomically(head_file_path(log_path), canonical_json(body) + b"\n")


def write_genesis_head(log_path: Path, account: str, key: bytes, checkpoint: Checkpoint | None = None) -> None:
    write_head(log_path, account, 0, GENESIS_HASH, key, checkpoint)
