"""Small JSON state files kept beside an account's audit log (waivers, onboarding progress).

Each is private to its owner (0600, in the 0700 log directory), replaced atomically (write a temporary file,
fsync, rename), and changed under an exclusive lock so the TUI and a plain-terminal checklist on the same
account do not overwrite each other. A damaged file is reported and left alone, never silently reset.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wizard.audit_log.paths import ensure_private_dir, fsync_dir
from wizard.errors import UsageError


class StateFileError(UsageError):
    """A state file that cannot be read or written: names the file and what is wrong (exit 2)."""


def sibling_path(log_path: Path, suffix: str) -> Path:
    """`<log>.<suffix>` beside the log, as the key file (`.key`) and head anchor (`.head`) are."""
    return log_path.with_name(f"{log_path.name}.{suffix}")


def read_json_object(path: Path, what: str) -> dict[str, Any] | None:
    """The file's JSON object, or None when there is no file yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateFileError(f"Cannot read the {what} {path}: {error.strerror or error}.") from error
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise StateFileError(f"The {what} {path} is not valid JSON ({error}); fix or move it away.") from error
    if not isinstance(data, dict):
        raise StateFileError(f"The {what} {path} is not a JSON object; fix or move it away.")
    return data


def write_json_atomically(path: Path, data: dict[str, Any], what: str) -> None:
    """Replace `path` with `data` (0600): a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        ensure_private_dir(path.parent)
        created = not path.exists()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask, and whatever an old temporary file had
            os.write(fd, json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        if created:
            fsync_dir(path.parent)
    except OSError as error:
        raise StateFileError(f"Cannot write the {what} {path}: {error.strerror or error}.") from error


@contextlib.contextmanager
def locked(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `<path>.lock` while reading, changing and writing the file."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        ensure_private_dir(path.parent)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise StateFileError(f"Cannot lock the {what} {path}: {error.strerror or error}.") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
