"""The head anchor: the newest record's sequence number and hash, signed, in `<log>.head`.

A hash chain proves what is in the file, not that nothing is missing after its last line. So the writer
creates the anchor at seq 0 (before the first record) and replaces it after every append (write, fsync,
rename: a crash leaves the old anchor or the new one, and the old one is merely one record behind).
`verify` then requires the record the anchor names to be in the log with that hash; an anchor past the
end of the log means records were cut off.

A writer that finds the anchor ahead of the log continues numbering after the anchor, so the gap stays
in the log for `verify` to name. It never recreates a missing or damaged anchor for a log that has
records: that would erase the evidence. Limits: whoever holds the key can rewrite anything, and putting
back an old anchor together with cutting the log back to it cannot be told from the log as it was then.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wizard.audit_log.paths import fsync_dir, head_file_path
from wizard.audit_log.records import GENESIS_HASH, canonical_json

HEAD_MAC_PREFIX: Final = b"cis-wizard head\n"


@dataclass(frozen=True)
class Head:
    account: str
    seq: int
    hash: str
    mac: str

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
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return HeadFile(path, exists=False, head=None)
    except (OSError, ValueError):
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
        return HeadFile(path, exists=True, head=Head(account, seq, hash_, mac))
    return HeadFile(path, exists=True, head=None)


def write_head(log_path: Path, account: str, seq: int, hash_: str, key: bytes) -> None:
    """Replace the anchor atomically; the caller holds the log's lock."""
    path = head_file_path(log_path)
    created = not path.exists()
    body = {"account": account, "hash": hash_, "seq": seq, "hmac": head_mac(key, account, seq, hash_)}
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, canonical_json(body) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    if created:
        fsync_dir(path.parent)


def write_genesis_head(log_path: Path, account: str, key: bytes) -> None:
    write_head(log_path, account, 0, GENESIS_HASH, key)
