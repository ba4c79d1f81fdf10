"""What changed since the last session on a real account: each session's audit is one signed record in the
account's log, and the next session names the controls whose status moved since then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.wizard_session import WizardSession, connect
from tests.support.keyrings import MemoryKeyring
from wizard.audit_log.reader import read_log
from wizard.aws.context import AwsSettings
from wizard.sandbox import start_sandbox

REGION = "us-east-1"


@pytest.fixture
def sandbox() -> Iterator[Any]:
    with start_sandbox("fresh", regions=[REGION]) as running:
        yield running


def session_on(sandbox: Any, log_path: Path) -> WizardSession:
    """A wizard session as on a real account (not a demo: the log outlives the run)."""
    settings = AwsSettings(region=REGION, regions=REGION, endpoint_url=sandbox.endpoint_url)
    return WizardSession(connect(settings, session=sandbox.session()), sandbox=False, log_path=log_path)


def test_the_next_session_names_what_changed_since_the_last_audit(
    sandbox: Any, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    log_path = tmp_path / "logs" / "account.jsonl"
    first = session_on(sandbox, log_path)
    first.run_audit()
    assert first.changes_since_last_session() == ""  # a first session: nothing to compare with
    first.record_audit()
    first.close()

    iam = sandbox.session().client("iam", region_name=REGION, endpoint_url=sandbox.endpoint_url)
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True)  # 1.9 and 1.7 now pass

    second = session_on(sandbox, log_path)
    second.run_audit()
    said = second.changes_since_last_session()
    second.close()
    assert said.startswith("Since 20") and ": " in said
    moved = dict(part.split(" ", 1) for part in said.split(": ", 1)[1].split("; "))
    assert moved == {"1.7": "FAIL → PASS", "1.9": "FAIL → PASS"}


def test_an_unchanged_account_says_so_and_each_audit_is_one_signed_record(
    sandbox: Any, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    log_path = tmp_path / "logs" / "account.jsonl"
    for _ in range(2):
        session = session_on(sandbox, log_path)
        session.run_audit()
        said = session.changes_since_last_session()
        session.record_audit()
        session.close()
    assert said.endswith("no control changed status.")
    audits = [r for r in read_log(log_path).records if r.kind == "finding" and "statuses" in r.payload]
    assert len(audits) == 2 and len(audits[-1].payload["statuses"]) == 49
