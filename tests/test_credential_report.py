"""The credential report parser: AWS's and moto's "no date" markers, the root row, malformed input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.credential_report import CredentialReportError, parse_credential_report, parse_report_date

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,"
    "mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
ROOT = (
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
    "false,N/A,false,N/A"
)
ALICE = (
    "alice,arn:aws:iam::123456789012:user/alice,2025-01-01T00:00:00+00:00,true,no_information,"
    "2025-01-01T00:00:00+00:00,N/A,false,true,2025-01-02T00:00:00+00:00,N/A,not_supported,not_supported,"
    "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)


def test_parses_root_and_users_with_no_date_markers() -> None:
    rows = parse_credential_report(f"{HEADER}\n{ROOT}\n{ALICE}\n".encode())
    root, alice = rows
    assert root.is_root and root.mfa_active
    assert root.password_last_used == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert not alice.is_root and alice.password_enabled and not alice.mfa_active
    assert alice.password_last_used is None
    assert [k.number for k in alice.active_keys()] == [1]
    assert alice.keys[0].last_rotated == datetime(2025, 1, 2, tzinfo=UTC)
    assert alice.keys[0].last_used is None


@pytest.mark.parametrize("marker", ["N/A", "no_information", "not_supported", "", "garbage"])
def test_no_date_markers_are_none(marker: str) -> None:
    assert parse_report_date(marker) is None


def test_missing_columns_are_a_clear_error() -> None:
    with pytest.raises(CredentialReportError, match="lacks the column"):
        parse_credential_report(b"user,arn\nalice,arn:aws:iam::1:user/alice\n")


def test_non_utf8_is_a_clear_error() -> None:
    with pytest.raises(CredentialReportError, match="not UTF-8"):
        parse_credential_report(b"\xff\xfe\x00")


@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: f"{HEADER}\n{t}"))
def test_any_input_parses_or_fails_clearly(content) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(CredentialReportError):
        parse_credential_report(content)
