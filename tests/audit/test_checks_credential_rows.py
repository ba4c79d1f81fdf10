"""A user whose name (or path) carries commas and fake column values cannot skew the credential-report
controls: its row does not add up, so 1.2-1.4 and 1.21 report it as ERROR (or FAIL), never PASS."""

from __future__ import annotations

import boto3
import pytest

from tests.support.accounts import HOME
from tests.support.auditing import audit_one, statuses
from wizard.audit.findings import Status
from wizard.sandbox.root_account import RootAccountState

# Valid IAM characters. Split by position it reads: user "m", password_enabled true, mfa_active true.
FORGED = "m,a,b,true,c,d,e,true"


def console_user(name: str, path: str = "/", key: bool = False) -> None:
    """A user with a console password and no MFA (and, with `key`, a never-used access key)."""
    iam = boto3.client("iam", region_name=HOME)
    iam.create_user(UserName=name, Path=path)
    iam.create_login_profile(UserName=name, Password="Correct-Horse-42!")
    if key:
        iam.create_access_key(UserName=name)


def test_a_comma_laden_name_never_passes_1_2(ctx, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    console_user(FORGED)
    finding = audit_one(ctx, "1.2")
    assert finding.status is Status.ERROR and finding.error_code == "MalformedReportRow"
    [resource] = finding.resources
    assert resource.id == "credential-report:line-3" and resource.status is Status.ERROR
    assert "fields where the header has 22" in resource.reason and "\n" not in resource.reason
    assert "Internal error" not in finding.summary


def test_other_users_are_still_judged_beside_an_unreadable_row(ctx, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    console_user(FORGED)
    console_user("bob")
    finding = audit_one(ctx, "1.2")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {"credential-report:line-3": Status.ERROR, "bob": Status.FAIL}


def test_a_quote_in_a_path_hides_no_user_after_it(ctx, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    console_user("eve", path='/x,"y/')  # whole-file CSV would read on to the next quote: every later row
    console_user("zed")
    assert statuses(audit_one(ctx, "1.2")) == {"credential-report:line-3": Status.ERROR, "zed": Status.FAIL}


@pytest.mark.parametrize("control_id", ["1.3", "1.4", "1.21"])
def test_the_other_report_controls_error_on_the_row_too(ctx, seed_root, control_id: str) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    console_user(FORGED, key=True)
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.ERROR
    assert statuses(finding) == {"credential-report:line-3": Status.ERROR}


def test_1_1_reads_roots_row_whatever_a_user_row_holds(ctx, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    console_user(FORGED)
    assert audit_one(ctx, "1.1").status is Status.PASS
