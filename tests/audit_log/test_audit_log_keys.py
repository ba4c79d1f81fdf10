"""The audit log's key: in the keyring, or a 0600 file where no keyring works, said once."""

from __future__ import annotations

from pathlib import Path

import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend

from tests.support.accounts import ACCOUNT_ID, CALLER, OTHER_ACCOUNT
from tests.support.keyrings import ForgetfulKeyring, Keyrings, MemoryKeyring
from tests.support.log_files import mode
from wizard.audit_log import AuditLog, Kind, verify_log
from wizard.audit_log.paths import head_file_path, key_file_path

# -- keys --------------------------------------------------------------------------------------------


def test_the_key_lives_in_the_keyring_under_cis_wizard_and_the_account(
    isolated: MemoryKeyring, log: AuditLog, log_path: Path
) -> None:
    log.record(Kind.CHECKLIST, {"step": "1"})
    stored = isolated.passwords[("cis-wizard", ACCOUNT_ID)]
    assert len(bytes.fromhex(stored)) == 32
    assert not key_file_path(log_path).exists()
    assert mode(log_path) == 0o600 and mode(head_file_path(log_path)) == 0o600
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as again:
        again.record(Kind.CHECKLIST, {"step": "2"})
    assert isolated.passwords[("cis-wizard", ACCOUNT_ID)] == stored
    assert verify_log(log_path).intact


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), ForgetfulKeyring()], ids=["none", "forgetful"])
def test_without_a_working_keyring_the_key_is_a_0600_file_said_once(
    keyrings: Keyrings, tmp_path: Path, backend: KeyringBackend
) -> None:
    keyrings.use(backend)
    notices: list[str] = []
    first_path = tmp_path / "one" / f"{ACCOUNT_ID}.jsonl"
    second_path = tmp_path / "two" / f"{OTHER_ACCOUNT}.jsonl"
    with AuditLog(first_path, ACCOUNT_ID, CALLER, notice=notices.append) as first:
        first.record(Kind.CHECKLIST, {"step": "1"})
    with AuditLog(second_path, OTHER_ACCOUNT, CALLER, notice=notices.append) as second:
        second.record(Kind.CHECKLIST, {"step": "1"})
    with AuditLog(first_path, ACCOUNT_ID, CALLER, notice=notices.append) as again:
        again.record(Kind.CHECKLIST, {"step": "2"})
    notices = [n for n in notices if "fingerprint" not in n]  # each new signing key's fingerprint is said too
    assert len(notices) == 1
    assert "keyring" in notices[0] and str(key_file_path(first_path)) in notices[0]
    for path in (first_path, second_path):
        assert mode(path) == 0o600
        assert mode(key_file_path(path)) == 0o600
        assert mode(head_file_path(path)) == 0o600
        assert len(bytes.fromhex(key_file_path(path).read_text().strip())) == 32
        assert verify_log(path).intact
    assert verify_log(first_path).key == str(key_file_path(first_path))


def test_a_log_started_on_the_file_key_keeps_it_when_a_keyring_appears(
    keyrings: Keyrings, isolated: MemoryKeyring, log_path: Path
) -> None:
    keyrings.use(keyring.backends.fail.Keyring())
    with AuditLog(log_path, ACCOUNT_ID, CALLER, notice=lambda _: None) as headless:
        headless.record(Kind.CHECKLIST, {"step": "1"})
    keyrings.use(isolated)
    isolated.set_password("cis-wizard", ACCOUNT_ID, "ab" * 32)  # another log of the account made this one
    with AuditLog(log_path, ACCOUNT_ID, CALLER) as desktop:
        assert desktop.key.source == "file"
        desktop.record(Kind.CHECKLIST, {"step": "2"})
    report = verify_log(log_path)
    assert report.intact and report.last_seq == 2
