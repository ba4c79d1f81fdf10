"""Shared fixtures: every test runs against moto with throw-away credentials and no real AWS config."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from benchmarks.fault_proxy import FaultProxy
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.keyrings import Keyrings, MemoryKeyring
from tests.support.moto import moto_server
from wizard.aws.context import AwsContext, AwsSettings
from wizard.sandbox import Sandbox, start_sandbox
from wizard.sandbox.root_account import RootAccountState, seed_root_account

AWS_CLI_VENV = Path(__file__).resolve().parent.parent / ".venv-awscli"


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


# -- moto in-process -----------------------------------------------------------------------------------------
@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def stock_moto_account_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto as shipped: no account:GetContactInformation (the sandbox adds it to moto's class, process-wide)."""
    from moto.account import urls
    from moto.account.responses import AccountResponse

    for name in ("get_contact_information", "put_contact_information"):
        monkeypatch.delattr(AccountResponse, name, raising=False)
    for operation in ("getContactInformation", "putContactInformation"):
        monkeypatch.delitem(urls.url_paths, f"{{0}}/{operation}$", raising=False)


@pytest.fixture
def contact_api() -> None:
    """moto with the sandbox's account contact API (GetContactInformation/PutContactInformation)."""
    from wizard.sandbox.contact_api import install

    install()


@pytest.fixture
def ctx(aws: None) -> AwsContext:
    return AwsContext(AwsSettings(region=HOME, regions=f"{HOME},{OTHER}"))


@pytest.fixture
def seed_root(aws: None) -> Callable[[RootAccountState | None], None]:
    """Call with a RootAccountState to give moto root's credential-report row and summary flags."""

    def seed(state: RootAccountState | None = None) -> None:
        seed_root_account(ACCOUNT_ID, state or RootAccountState())

    return seed


# -- moto over HTTP ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server on 127.0.0.1 for the tests that run the command line in a subprocess."""
    os.environ.setdefault("MOTO_ACCOUNT_ID", ACCOUNT_ID)
    with moto_server() as url:
        yield url


@pytest.fixture
def endpoint(moto_endpoint: str) -> Iterator[str]:
    """A clean account per test: reset moto, then seed root's credential-report row and MFA flag."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    boto3.client("iam", endpoint_url=moto_endpoint, region_name=HOME).get_account_summary()
    seed_root_account(ACCOUNT_ID, RootAccountState(mfa_enabled=True))
    yield moto_endpoint


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    """benchmarks.fault_proxy in front of the clean account."""
    with FaultProxy(upstream=endpoint) as running:
        yield running


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The demo account, fresh, in two regions."""
    with start_sandbox("fresh", regions=[HOME, OTHER]) as running:
        yield running


@pytest.fixture(scope="session")
def aws_cli() -> Path:
    """The real AWS CLI, in a virtualenv of its own (it pins its own botocore)."""
    given = os.environ.get("CIS_WIZARD_AWS_CLI")
    if given:
        return Path(given)
    aws = AWS_CLI_VENV / "bin" / "aws"
    if not aws.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AWS_CLI_VENV)], check=True)
        subprocess.run(
            [str(AWS_CLI_VENV / "bin" / "pip"), "install", "--quiet", "awscli==1.46.3"], check=True, timeout=600
        )
    return aws


# -- the audit log's key and data directory ------------------------------------------------------------------
@pytest.fixture
def keyrings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keyrings]:
    """The one way a test chooses the keyring (keyring.set_keyring); the previous one is put back after it."""
    switch = Keyrings(monkeypatch)
    try:
        yield switch
    finally:
        switch.restore()


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A throw-away user data directory (XDG_DATA_HOME): where logs and their state go by default."""
    path = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(path))
    return path


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """The account's audit log, not yet written, in a folder of its own."""
    return tmp_path / "logs" / f"{ACCOUNT_ID}.jsonl"


@pytest.fixture
def memory_keyring(keyrings: Keyrings, data_dir: Path) -> MemoryKeyring:
    """The audit log's key in an in-memory keyring; a throw-away data directory."""
    return keyrings.memory()


@pytest.fixture
def file_key(keyrings: Keyrings, data_dir: Path) -> Path:
    """No keyring, here or in a subprocess: the log's key is the 0600 file beside it, which both read."""
    keyrings.none()
    return data_dir
