"""The state beside the audit log (progress, waivers) and the log itself, read by this process and by the
command line in subprocesses: no keyring, the log's key is the 0600 file beside it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def log_key_in_a_file(file_key: Path) -> Path:
    return file_key
