"""The per-account HMAC key: in the OS keyring (service "cis-wizard", user name = the account id), or, where
no keyring backend works (a headless server), in a 0600 file beside the log, said once per process.

The keyring is asked first. A key file beside the log is the second candidate: a log started while the
keyring was unavailable keeps its file key even after the keyring works again, and the writer and
`verify` pick whichever candidate signed the log's head anchor.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import keyring
import keyring.errors

from wizard.audit_log.errors import BadKeyError
from wizard.audit_log.key_sources import key_bytes, stored_keys
from wizard.audit_log.paths import key_file_path
from wizard.state.files import fsync_dir, open_private

SERVICE: Final = "cis-wizard"
KEY_BYTES: Final = 32
KEY_FILE: Final = "The audit-log key file"

Notice = Callable[[str], None]
_fallback_announced = False


@dataclass(frozen=True)
class LogKey:
    secret: bytes
    source: str  # "keyring" | "file"
    location: str  # where it is kept, in words


def stderr_notice(message: str) -> None:
    sys.stderr.write(f"cis-wizard: {message}\n")


def _decode(text: str, where: str) -> bytes:
    secret = key_bytes(text.strip(), KEY_BYTES)
    if secret is None:
        raise BadKeyError(f"The audit-log key in {where} is not a cis-wizard key ({KEY_BYTES} bytes as hex).")
    return secret


def _keyring_location(account_id: str) -> str:
    return f"the OS keyring (service {SERVICE}, user {account_id})"


def _reason(error: Exception) -> str:
    """The first sentence of a keyring error: what is wrong, not the advice that follows."""
    return (str(error).split(". ")[0].rstrip(".") or type(error).__name__).strip()


def _read_keyring(account_id: str) -> tuple[str | None, str | None]:
    """(stored key text or None, why the keyring does not work or None)."""
    try:
        return keyring.get_password(SERVICE, account_id), None
    except keyring.errors.KeyringError as error:
        return None, _reason(error)


def _candidates(account_id: str, log_path: Path) -> tuple[list[LogKey], str | None]:
    """(the keys found, keyring first; why the keyring does not work, or None)."""
    stored, keyring_problem = _read_keyring(account_id)
    path = key_file_path(log_path)

    def make(text: str, source: str, location: str) -> LogKey:
        return LogKey(_decode(text, location), source, location)

    unreadable = f"Cannot read the audit-log key file {path}"
    return stored_keys(stored, _keyring_location(account_id), path, KEY_FILE, unreadable, make), keyring_problem


def candidate_keys(account_id: str, log_path: Path) -> list[LogKey]:
    """The keys that may have signed this log, keyring first; nothing is created."""
    return _candidates(account_id, log_path)[0]


def _announce_fallback(message: str, notice: Notice) -> None:
    global _fallback_announced
    if not _fallback_announced:
        _fallback_announced = True
        notice(message)


def _store_in_keyring(account_id: str, secret: bytes) -> str | None:
    """Store the key; None when it is stored and reads back, else why not."""
    try:
        keyring.set_password(SERVICE, account_id, secret.hex())
        stored = keyring.get_password(SERVICE, account_id)
    except keyring.errors.KeyringError as error:
        return _reason(error)
    # An empty keyring chain accepts a password silently and keeps nothing: read it back to know.
    return None if stored == secret.hex() else "the keyring did not keep the key"


def _write_key_file(path: Path, secret: bytes) -> None:
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, secret.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def load_or_create_keys(account_id: str, log_path: Path, notice: Notice = stderr_notice) -> list[LogKey]:
    """The candidate keys, creating the account's key on first use. Call under the log's lock, so two
    processes starting the same account's log agree on one key."""
    found, keyring_problem = _candidates(account_id, log_path)
    path = key_file_path(log_path)
    if keyring_problem and any(key.source == "file" for key in found):
        _announce_fallback(f"no working OS keyring ({keyring_problem}); using the audit-log key in {path}.", notice)
    if found:
        return found
    secret = secrets.token_bytes(KEY_BYTES)
    problem = keyring_problem or _store_in_keyring(account_id, secret)
    if problem is None:
        return [LogKey(secret, "keyring", _keyring_location(account_id))]
    _write_key_file(path, secret)
    _announce_fallback(
        f"no working OS keyring ({problem}); the audit-log key for account {account_id} is kept in {path} "
        "instead, readable only by you.",
        notice,
    )
    return [LogKey(secret, "file", str(path))]
