"""The files beside an account's audit log (the log, its key and head anchor, waivers, session progress),
and the one way they are opened, read and written.

Whoever can read the key can rewrite the log so that it verifies, and whoever can plant a file in the folder
can redirect a write. So every such file is opened without following a symbolic link (O_NOFOLLOW), and a
file or folder that belongs to another user, or that group or others may read or change, is refused with
the command that fixes it (exit 2), never trusted in silence. Folders the wizard creates are 0700, files
0600. A file is replaced through a temporary file that `mkstemp` creates in the same folder (a new name,
O_EXCL: nothing planted there is followed or truncated), fsynced, then renamed over it: a crash leaves the
old file or the new one, never half of one. State files are changed under an exclusive lock, so the TUI and
a plain-terminal checklist on the same account do not overwrite each other; a damaged one is reported and
left alone, never silently reset.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wizard.errors import UsageError

_OPEN_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # O_NONBLOCK: a planted FIFO must not hang us


class UnsafeFileError(UsageError):
    """A symbolic link, another user's file, or one that others may read or change, where a private file
    belongs: one line that says how to fix it (exit 2)."""


class StateFileError(UsageError):
    """A state file that cannot be read or written: names the file and what is wrong (exit 2)."""


def sibling_path(log_path: Path, suffix: str) -> Path:
    """`<log>.<suffix>` beside the log, as the key file (`.key`) and head anchor (`.head`) are."""
    return log_path.with_name(f"{log_path.name}.{suffix}")


def _check_private(path: Path, status: os.stat_result, what: str) -> None:
    folder = stat.S_ISDIR(status.st_mode)
    if status.st_uid != os.geteuid():
        raise UnsafeFileError(
            f"{what} {path} belongs to uid {status.st_uid}, not you (uid {os.geteuid()}): use a "
            f"{'folder' if folder else 'file'} of your own, or take it over (`sudo chown {os.geteuid()} {path}`)."
        )
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        raise UnsafeFileError(
            f"{what} {path} can be read or changed by other users (mode {mode:o}): "
            f"run `chmod {'700' if folder else '600'} {path}`."
        )


def check_private_dir(directory: Path) -> None:
    """Refuse a folder another user owns, or that group or others may read or change."""
    _check_private(directory, os.stat(directory), "The folder")


def ensure_private_dir(directory: Path) -> None:
    """Create the folder (0700, parents as needed) if it is missing; then refuse it if it is not private."""
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private_dir(directory)


def open_private(path: Path, flags: int, what: str) -> int:
    """`os.open` that never follows a symbolic link at `path` and refuses anything but a private regular file
    (checked through the descriptor, so nothing can be swapped in between). A new file is created 0600."""
    try:
        fd = os.open(path, flags | _OPEN_FLAGS, 0o600)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFileError(
                f"{what} {path} is a symbolic link, which could redirect the wizard: remove it (`rm {path}`), "
                "or name the real file."
            ) from error
        raise
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeFileError(f"{what} {path} is not a regular file: remove it, or name the real file.")
        _check_private(path, status, what)
        check_private_dir(path.parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_private(path: Path, what: str) -> bytes | None:
    """The file's bytes, or None when there is no file; OSError when it cannot be read."""
    try:
        fd = open_private(path, os.O_RDONLY, what)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as file:
        return file.read()


def fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (a file created but never reachable after a crash is lost)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot fsync a directory; the data is synced
            os.fsync(fd)
    finally:
        os.close(fd)


def write_private_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (0600) through a fresh temporary file; OSError when it cannot be written."""
    ensure_private_dir(path.parent)
    created = not os.path.lexists(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)  # a link planted at `path` is replaced, its target left alone
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if created:
        fsync_dir(path.parent)


def read_json_object(path: Path, what: str) -> dict[str, Any] | None:
    """The file's JSON object, or None when there is no file yet."""
    try:
        raw = read_private(path, f"The {what}")
    except OSError as error:
        raise StateFileError(f"Cannot read the {what} {path}: {error.strerror or error}.") from error
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise StateFileError(f"The {what} {path} is not valid JSON ({error}); fix or move it away.") from error
    if not isinstance(data, dict):
        raise StateFileError(f"The {what} {path} is not a JSON object; fix or move it away.")
    return data


def write_json_atomically(path: Path, data: dict[str, Any], what: str) -> None:
    """Replace `path` with `data` (0600): a crash leaves the old file or the new one, never half of one."""
    try:
        write_private_atomically(path, json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
    except OSError as error:
        raise StateFileError(f"Cannot write the {what} {path}: {error.strerror or error}.") from error


@contextlib.contextmanager
def locked(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `<path>.lock` while reading, changing and writing the file."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        ensure_private_dir(path.parent)
        fd = open_private(lock_path, os.O_RDWR | os.O_CREAT, f"The lock of the {what}")
    except OSError as error:
        raise StateFileError(f"Cannot lock the {what} {path}: {error.strerror or error}.") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
