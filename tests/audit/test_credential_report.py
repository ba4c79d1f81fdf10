"""The credential report parser: AWS's and moto's "no date" markers, the root row, malformed input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.collectors.credential_report import (
    CredentialReportError,
    parse_credential_report,
    parse_report_date,
    read_credential_report,
)

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
    report = read_credential_report(f"{HEADER}\n{ROOT}\n{ALICE}\n".encode())
    root, alice = report.rows
    assert report.unreadable == ()
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


# -- rows that do not add up ----------------------------------------------------------------------------------
FORGED_NAME = "m,a,b,true,c,d,e,true"  # valid IAM characters; in place it reads password_enabled=true, mfa=true


def test_a_row_whose_fields_do_not_match_the_header_is_unreadable_not_shifted() -> None:
    forged = ALICE.replace("alice", FORGED_NAME)
    report = read_credential_report(f"{HEADER}\n{ROOT}\n{forged}\n{ALICE}\n")
    assert [row.user for row in report.rows] == ["<root_account>", "alice"]
    [unreadable] = report.unreadable
    assert unreadable.line == 3 and unreadable.text == forged
    assert "line 3 of the credential report has 36 fields where the header has 22" in unreadable.reason
    assert "\n" not in unreadable.reason


def test_a_row_whose_arn_is_not_its_users_is_unreadable() -> None:
    other = ALICE.replace("user/alice", "user/bob")
    fake_root = ROOT.replace(":root,", ":user/root,")
    report = read_credential_report(f"{HEADER}\n{other}\n{fake_root}\n")
    assert report.rows == []
    assert [u.line for u in report.unreadable] == [2, 3]
    assert "names user 'alice' but the ARN 'arn:aws:iam::123456789012:user/bob'" in report.unreadable[0].reason
    assert "names <root_account> but the ARN" in report.unreadable[1].reason


def test_quoted_fields_are_read_and_a_quote_never_swallows_the_next_row() -> None:
    quoted = ALICE.replace("alice,arn:aws:iam::123456789012:user/alice", '"a,b","arn:aws:iam::123456789012:user/p/a,b"')
    opened = ALICE.replace("user/alice", 'user/x,"y/alice')  # a path may hold commas and quotes
    report = read_credential_report(f"{HEADER}\n{quoted}\n{opened}\n{ALICE}\n")
    assert [row.user for row in report.rows] == ["a,b", "alice"]
    [unreadable] = report.unreadable
    assert unreadable.line == 3 and "is not valid CSV" in unreadable.reason
