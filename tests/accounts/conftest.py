"""The organization of five member accounts (tests/accounts/organization.py) as a fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.organization import Member, build_organization


@pytest.fixture
def organization(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Member]]:
    """moto serves each account's own state only when no MOTO_ACCOUNT_ID forces one account."""
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    yield build_organization(endpoint)
