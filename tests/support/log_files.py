"""Reading an audit log's file as bytes on disk, the way an auditor (or an attacker) sees it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any


def lines_of(path: Path) -> list[dict[str, Any]]:
    """Each record of the JSON Lines file, parsed."""
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def password_policy_call() -> dict[str, Any]:
    """A call as the executor hands it to the log: the password policy's fix, with its CLI text."""
    return {
        "service": "iam",
        "operation": "UpdateAccountPasswordPolicy",
        "region": "us-east-1",
        "params": {"MinimumPasswordLength": 14},
        "cli": "aws iam update-account-password-policy --minimum-password-length 14",
    }
