"""The `--config FILE` of an onboarding session: TOML answers to what a facilitator would otherwise type.

One file serves every command: the fix options (alarm_email, name_prefix, trail_bucket, ...; see
`terminal.fix.session_config_types`) and the session's own answers below (who drives, who attests).
Rejected with the line and key at fault; never half-read.

    driver = "Dana Smith (platform team)"     # recorded in each session-start of the audit log
    attestation_name = "Dana Smith"           # offered as the name on attestations
    alarm_email = "security-alerts@example.com"
    name_prefix = "acme-"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import UsageError

MAX_CONFIG_BYTES = 256 * 1024
# The session's own keys (the fix options are added by the command line, which knows them).
SESSION_KEYS: dict[str, type] = {"driver": str, "attestation_name": str}


@dataclass(frozen=True)
class SessionAnswers:
    """Who drives the session, and the name offered on attestations (None: not given)."""

    driver: str | None = None
    attestation_name: str | None = None

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any]) -> SessionAnswers:
        def text(key: str) -> str | None:
            value = " ".join(str(answers.get(key) or "").split())
            return value or None

        return cls(driver=text("driver"), attestation_name=text("attestation_name"))


def _line_of(text: str, key: str) -> int | None:
    # [ \t], not \s: \s would cross a blank line before the key and name the wrong line.
    pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _where(path: Path, text: str, key: str) -> str:
    line = _line_of(text, key)
    return f"{path}, line {line}" if line else str(path)


def load_session_config(path_text: str, allowed: dict[str, type]) -> dict[str, Any]:
    """The file's answers, each key known and of the right type (`allowed` maps key -> type)."""
    path = Path(path_text)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"Cannot read config {path}: {error.strerror or error}.") from error
    if len(raw) > MAX_CONFIG_BYTES:
        raise UsageError(f"Config {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB; is it the right file?")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise UsageError(f"Config {path} is not UTF-8 text.") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"Config {path} is not valid TOML: {error}.") from error
    answers: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise UsageError(f"{_where(path, text, key)}: unknown key {key!r} (known: {known}).")
        wanted = allowed[key]
        if wanted is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise UsageError(f"{_where(path, text, key)}: {key} must be a whole number, not {value!r}.")
        if wanted is str and not isinstance(value, str):
            raise UsageError(f"{_where(path, text, key)}: {key} must be text in quotes, not {value!r}.")
        if wanted is bool and not isinstance(value, bool):
            raise UsageError(f"{_where(path, text, key)}: {key} must be true or false, not {value!r}.")
        answers[key] = value
    return answers
