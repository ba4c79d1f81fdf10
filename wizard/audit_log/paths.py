"""Where an account's log, key file and head anchor live, and how they are created private to their owner."""

from __future__ import annotations

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
