"""Shared fixtures: every test runs against moto with throw-away credentials and no real AWS config."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from wizard.aws.context import AwsContext, AwsSettings
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
def stock_moto_account_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto as shipped: no account:GetContactInformation (the sandbox adds it to moto's class, process-wide)."""
    from moto.account.responses import AccountResponse

    for name in ("get_contact_information", "put_contact_information"):
        monkeypatch.delattr(AccountResponse, name, raising=False)


@pytest.fixture
def contact_api() -> None:
    """moto with the sandbox's account contact API (GetContactInformation/PutContactInformation)."""
    from wizard.sandbox.contact_api import install

    install()


@pytest.fixture
def ctx(aws: None) -> AwsContext:
    return AwsContext(AwsSettings(region=HOME, regions=f"{HOME},{OTHER}"))


@pytest.fixture
def seed_root(aws: None):  # type: ignore[no-untyped-def]
    """Call with a RootAccountState to give moto root's credential-report row and summary flags."""

    def seed(state: RootAccountState | None = None) -> None:
        seed_root_account(ACCOUNT_ID, state or RootAccountState())

    return seed


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server on 127.0.0.1 for the tests that run the command line in a subprocess."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("MOTO_ACCOUNT_ID", ACCOUNT_ID)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def endpoint(moto_endpoint: str) -> Iterator[str]:
    """A clean account per test: reset moto, then seed root's credential-report row and MFA flag."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    boto3.client("iam", endpoint_url=moto_endpoint, region_name=HOME).get_account_summary()
    seed_root_account(ACCOUNT_ID, RootAccountState(mfa_enabled=True))
    yield moto_endpoint


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m wizard ARGS` in a subprocess; the audit log's key goes to a 0600 file (no keyring here)."""
    full_env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        input=input,
    )
