"""The command line in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

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
