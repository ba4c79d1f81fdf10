"""The command line in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.support.keyrings import NO_KEYRING_ENV


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m wizard ARGS` in a subprocess; the audit log's key goes to a 0600 file (no keyring here)."""
    full_env = {**os.environ, **NO_KEYRING_ENV, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        input=input,
    )


def start_cli(
    *args: str, stdout: IO[str] | int = subprocess.DEVNULL, stderr: IO[str] | int = subprocess.DEVNULL
) -> subprocess.Popen[str]:
    """`python -m wizard ARGS` started in the background, with no keyring, as `run_cli` runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "wizard", *args],
        stdout=stdout,
        stderr=stderr,
        text=True,
        env={**os.environ, **NO_KEYRING_ENV},
    )


def apply_all_failing(endpoint: str, log: Path, *options: str) -> list[str]:
    """The arguments of `apply --all-failing --yes` against `endpoint`, alarms to sec@example.com, logged to `log`."""
    return [
        "apply",
        "--endpoint-url",
        endpoint,
        *options,
        "--all-failing",
        "--yes",
        "--alarm-email",
        "sec@example.com",
        "--log",
        str(log),
    ]
