"""The `--config FILE` of an onboarding session: TOML answers to what a facilitator would otherwise type.

Rejected with the line and key at fault; never half-read.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from wizard.errors import UsageError

MAX_CONFIG_BYTES = 256 * 1024


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE)
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
