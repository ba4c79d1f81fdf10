"""The evidence tests: every test with an in-memory keyring and a throw-away data directory."""

from __future__ import annotations

import pytest

from tests.support.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    return memory_keyring
