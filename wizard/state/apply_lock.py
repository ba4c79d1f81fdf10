"""One apply at a time per account: a lock beside the account's audit log, released by the kernel when the
process that holds it ends (so a crashed run never leaves it behind).

Two applies planned from the same state would both try to make the same changes and fail part-way; the
second one therefore waits until the first is done (and then plans from what the first one left), or, where
waiting makes no sense (the wizard), refuses in one line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wizard.errors import UsageError

_held: dict[Path, int] = {}  # lock files this process holds, and how many times (re-entrant in one process)
_held_guard = threading.Lock()


class ApplyInProgress(UsageError):
    """Another process is applying fixes to the same account."""


def lock_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + ".apply.lock")


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("ascii", "replace").split()
        if len(text) >= 2:
            return f"process {int(text[0])}, started {text[1]}"
    return "another process"


def _open(path: Path) -> int:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)


@contextlib.contextmanager
def apply_lock(
    log_path: Path,
    account_id: str,
    *,
    wait: float = 0.0,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the account's apply lock. Busy: wait up to `wait` seconds (telling `waiting` once who holds it),
    then raise ApplyInProgress (exit 2)."""
    path = lock_path(log_path).resolve()
    with _held_guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[path] -= 1
        return
    try:
        fd = _open(path)
    except OSError as error:
        raise UsageError(f"Cannot open the apply lock {path}: {error.strerror or error}.") from error
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise UsageError(f"Cannot lock {path}: {error.strerror or error}.") from error
            holder = _holder(fd)
            if time.monotonic() >= deadline:
                raise ApplyInProgress(
                    f"Another apply is running on account {account_id} ({holder}): wait for it to finish, "
                    "then run this again."
                )
            if waiting is not None and not told:
                waiting(f"Another apply is running on account {account_id} ({holder}); waiting for it to finish…")
                told = True
            time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ}\n".encode(), 0)
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(path, None)
    finally:
        os.close(fd)  # closing releases the lock
