"""The audit log's own tests: the key in an in-memory keyring, the user's data in a throw-away directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER
from tests.support.keyrings import MemoryKeyring
from wizard.audit_log import AuditLog


@pytest.fixture(autouse=True)
def isolated(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """Every test: an in-memory keyring, a throw-away data directory, the fallback notice not yet given."""
    return memory_keyring


@pytest.fixture
def log(log_path: Path) -> Iterator[AuditLog]:
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as opened:
        yield opened
