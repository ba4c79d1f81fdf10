"""The wizard's tests: the audit log's key in an in-memory keyring, its data in a throw-away directory."""

from __future__ import annotations

import pytest

from tests.support.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def log_key_in_memory(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    return memory_keyring
