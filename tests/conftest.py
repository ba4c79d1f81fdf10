"""Shared fixtures: every test runs against moto with throw-away credentials and no real AWS config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from wizard.aws_context import AwsContext, AwsSettings
from wizard.sandbox.root_account import RootAccountState, seed_root_account

ACCOUNT_ID = "123456789012"
HOME = "us-east-1"
OTHER = "eu-west-1"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and empty AWS config files, so nothing can reach a real account."""
    home = tmp_path_factory.mktemp("aws-home")
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", HOME)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT_ID)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def ctx(aws: None) -> AwsContext:
    return AwsContext(AwsSettings(region=HOME, regions=f"{HOME},{OTHER}"))


@pytest.fixture
def seed_root(aws: None):  # type: ignore[no-untyped-def]
    """Call with a RootAccountState to give moto root's credential-report row and summary flags."""

    def seed(state: RootAccountState | None = None) -> None:
        seed_root_account(ACCOUNT_ID, state or RootAccountState())

    return seed
