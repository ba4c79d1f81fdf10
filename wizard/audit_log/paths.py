"""Where an account's log, key file and head anchor live, and how they are created private to their owner."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import platformdirs

from wizard.errors import UsageError

APP_NAME = "cis-wizard"
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")


def check_account_id(account_id: str) -> str:
    """An AWS account id is 12 digits; anything else would also make an unsafe file name."""
    if not ACCOUNT_ID_PATTERN.match(account_id or ""):
        raise UsageError(f"{account_id!r} is not an AWS account id (12 digits).")
    return account_id


def default_log_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "logs"


def default_log_path(account_id: str) -> Path:
    """`<user data dir>/cis-wizard/logs/<account id>.jsonl`: one log per AWS account."""
    return default_log_dir() / f"{check_account_id(account_id)}.jsonl"


def key_file_path(log_path: Path) -> Path:
    """The fallback key file, beside the log (used only where no keyring backend works)."""
    return log_path.with_name(log_path.name + ".key")


def head_file_path(log_path: Path) -> Path:
    """The head anchor: the last record's sequence number and hash, so a cut-off end is noticed."""
    return log_path.with_name(log_path.name + ".head")


def ensure_private_dir(directory: Path) -> None:
    """Create the directory (and parents) readable only by its owner, if it is missing."""
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (a file created but never reachable after a crash is lost)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot fsync a directory; the data is synced
            os.fsync(fd)
    finally:
        os.close(fd)
