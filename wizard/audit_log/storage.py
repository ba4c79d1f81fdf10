"""The log file on disk: an exclusive lock for each append, the last record read from the end, durable writes.

Torn lines. A crash while appending can leave the last line incomplete: not valid JSON (a prefix of a JSON
object never is), or missing its newline. The next append first writes a newline, so the torn bytes stay
on a line of their own (the evidence of the crash is kept), and its record chains to the last *good*
record: its `prev` is the hash of the newest complete record before the torn line, and its `seq` follows
that record's. `verify` reports torn lines by line number and checks the chain across them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wizard.audit_log.errors import AuditLogError, LogUnavailableError
from wizard.audit_log.records import GENESIS_HASH, line_hash
from wizard.state.files import ensure_private_dir, fsync_dir, open_private

_CHUNK: Final = 64 * 1024


@dataclass(frozen=True)
class Tail:
    """The newest complete record of the file, as the next append needs it."""

    seq: int  # 0 when the file holds no complete record
    hash: str  # GENESIS_HASH when there is none
    needs_newline: bool  # the file does not end with a newline (a torn or unterminated last line)
    empty: bool


def _lines_from_end(fd: int, size: int) -> Iterator[bytes]:
    """The file's lines, last first, reading backwards in chunks (never the whole file)."""
    position = size
    pending = b""
    while position > 0:
        step = min(_CHUNK, position)
        position -= step
        pending = os.pread(fd, step, position) + pending
        parts = pending.split(b"\n")
        pending = parts[0]
        yield from reversed(parts[1:])
    yield pending


def _record_seq(line: bytes) -> int | None:
    """The seq of a complete record line; None for a torn or blank line."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    seq = data.get("seq") if isinstance(data, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


class LogFile:
    """One open log file. Appends happen under `locked()`; the same process may hold several of these."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise LogUnavailableError(f"The audit log {path} is a directory.")
        try:
            ensure_private_dir(path.parent)
            existed = os.path.lexists(path)
            self.fd = open_private(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, "The audit log")
        except OSError as error:
            raise LogUnavailableError(f"Cannot open the audit log {path}: {error.strerror or error}.") from error
        if not existed:
            os.fchmod(self.fd, 0o600)  # whatever the umask
            fsync_dir(path.parent)

    @property
    def closed(self) -> bool:
        return self.fd < 0

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes (flock on this open file); callers add a thread lock within one."""
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def tail(self) -> Tail:
        size = self.size()
        if size == 0:
            return Tail(0, GENESIS_HASH, needs_newline=False, empty=True)
        needs_newline = os.pread(self.fd, 1, size - 1) != b"\n"
        for line in _lines_from_end(self.fd, size):
            if not line.strip():
                continue
            seq = _record_seq(line)
            if seq is not None:
                return Tail(seq, line_hash(line), needs_newline=needs_newline, empty=False)
        return Tail(0, GENESIS_HASH, needs_newline=needs_newline, empty=False)

    def append(self, data: bytes) -> None:
        """Write all of `data` at the end, then flush it to the disk (fsync) before returning."""
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            os.fsync(self.fd)
        except OSError as error:
            raise AuditLogError(f"Cannot write the audit log {self.path}: {error.strerror or error}.") from error
