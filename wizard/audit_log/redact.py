"""Keep secrets out of the log: secret-named values at any depth, secret CLI flags, and their echoes.

A value is redacted when its key is named like a secret (SecretAccessKey, Password, SessionToken,
client_secret, X-Amz-Security-Token, PrivateKey, KeyMaterial, Base32StringSeed, ...), or when a
name/value pair names one ({"ParameterKey": "DbPassword", "ParameterValue": ...}; an SSM SecureString).
Flags and counters with secret-like names stay: a password *policy* is evidence, not a secret, so
numbers, booleans and null are kept, and names ending in Policy, Length, Age, Enabled, LastUsed, Id,
Arn, Name, ... are not secrets. Pagination and idempotency tokens (NextToken, ClientToken) are kept too.

Every secret found is also scrubbed from the payload's other strings (the `cli` text of an intent, an
error message), and `--password X`-style flags are scrubbed from any string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

REDACTED: Final = "[REDACTED]"
# Shorter secrets are only removed where they stand as a value, not searched for inside other text.
_MIN_ECHO_LENGTH: Final = 6

_SECRET_WORDS: Final = re.compile(
    r"password|passwd|passphrase|secret|token(s|code)?$|sessiontoken|securitytoken|privatekey|keymaterial"
    r"|plaintext|base32stringseed|qrcodepng|authenticationcode|sessionkey|apikey|signingkey"
)
_NOT_SECRET_SUFFIXES: Final = (
    "id",
    "ids",
    "arn",
    "arns",
    "name",
    "names",
    "policy",
    "length",
    "age",
    "prevention",
    "expiry",
    "required",
    "enabled",
    "lastused",
    "lastchanged",
    "nextrotation",
    "type",
    "status",
    "date",
    "count",
)
_NOT_SECRET_NAMES: Final = frozenset(
    {
        "nexttoken",
        "continuationtoken",
        "nextcontinuationtoken",
        "paginationtoken",
        "startingtoken",
        "clienttoken",
        "idempotencytoken",
    }
)
_PAIR_NAMES: Final = ("Name", "Key", "ParameterKey", "ParameterName", "OptionName", "name", "key")
_PAIR_VALUES: Final = ("Value", "ParameterValue", "OptionValue", "value")
# `--flag value`; a value never starts with "--", which is the next flag after a boolean flag
# (`--allow-users-to-change-password --region us-east-1`).
_CLI_FLAG: Final = re.compile(r"""(--([A-Za-z0-9][A-Za-z0-9_-]*))(=|\s+)(?!--)('[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)""")


def is_secret_name(name: str) -> bool:
    """True for a key or parameter name that holds a secret (case, `-` and `_` do not matter)."""
    plain = re.sub(r"[^a-z0-9]", "", name.lower())
    if not plain or plain in _NOT_SECRET_NAMES or not _SECRET_WORDS.search(plain):
        return False
    return not plain.endswith(_NOT_SECRET_SUFFIXES)


def _keeps_value(value: Any) -> bool:
    """Numbers, booleans and null under a secret-like name are settings (MinimumPasswordLength), not secrets."""
    return value is None or isinstance(value, bool | int | float)


def _collect_strings(value: Any, into: set[str]) -> None:
    if isinstance(value, str):
        into.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_strings(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect_strings(item, into)


def _scrub_cli_flags(text: str) -> str:
    if "--" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        return f"{match.group(1)}{match.group(3)}{REDACTED}" if is_secret_name(match.group(2)) else match.group(0)

    return _CLI_FLAG.sub(replace, text)


class Redactor:
    """Redacts payloads, and remembers the secrets it saw so a later echo of one is scrubbed as well."""

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = set(known_secrets)

    def redact(self, payload: Any) -> Any:
        """A copy of the (JSON-ready) payload with every secret replaced by "[REDACTED]"."""
        found: set[str] = set()
        cleaned = self._walk(payload, found)
        self.secrets |= {s for s in found if len(s) >= _MIN_ECHO_LENGTH and s != REDACTED}
        if self.secrets:
            cleaned = self._scrub_echoes(cleaned, sorted(self.secrets, key=len, reverse=True))
        return cleaned

    def _walk(self, value: Any, found: set[str]) -> Any:
        if isinstance(value, str):
            return _scrub_cli_flags(value)
        if isinstance(value, list):
            return [self._walk(item, found) for item in value]
        if not isinstance(value, dict):
            return value
        secret_pair = self._names_secret_pair(value)
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            if (is_secret_name(key) or (secret_pair and key in _PAIR_VALUES)) and not _keeps_value(item):
                _collect_strings(item, found)
                cleaned[key] = REDACTED
            else:
                cleaned[key] = self._walk(item, found)
        return cleaned

    @staticmethod
    def _names_secret_pair(value: dict[str, Any]) -> bool:
        if value.get("Type") == "SecureString":
            return True
        return any(isinstance(value.get(name), str) and is_secret_name(value[name]) for name in _PAIR_NAMES)

    def _scrub_echoes(self, value: Any, secrets: list[str]) -> Any:
        if isinstance(value, str):
            for secret in secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, list):
            return [self._scrub_echoes(item, secrets) for item in value]
        if isinstance(value, dict):
            return {key: self._scrub_echoes(item, secrets) for key, item in value.items()}
        return value


def redact(payload: Any) -> Any:
    """Redact one payload on its own (no memory of earlier ones)."""
    return Redactor().redact(payload)
