"""Where the log's keys are kept, keyring first, then the 0600 file beside the log: the HMAC key (`keys`) and
the Ed25519 signing key (`signing`) are looked up the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from wizard.audit_log.errors import BadKeyError
from wizard.state.files import read_private

Key = TypeVar("Key")

# make(stored text, "keyring" | "file", where it is kept in words) -> the key; raises BadKeyError if malformed.
KeyMaker = Callable[[str, str, str], Key]


def stored_keys(
    in_keyring: str | None, keyring_location: str, path: Path, file_kind: str, unreadable: str, make: KeyMaker[Key]
) -> list[Key]:
    """The key in the keyring (its text `in_keyring`, when there is one), then the one in the file at `path`.

    `unreadable` starts the error when the file exists but cannot be read ("Cannot read {path}")."""
    found: list[Key] = []
    if in_keyring:
        found.append(make(in_keyring, "keyring", keyring_location))
    try:
        stored_file = read_private(path, file_kind)
    except OSError as error:
        raise BadKeyError(f"{unreadable}: {error.strerror or error}.") from error
    if stored_file is not None:
        found.append(make(stored_file.decode("ascii", "replace"), "file", str(path)))
    return found


def key_bytes(text: str, size: int) -> bytes | None:
    """The key written as hex in `text`, or None when it is not `size` bytes of hex."""
    try:
        value = bytes.fromhex(text)
    except ValueError:
        return None
    return value if len(value) == size else None
