"""1.5-1.11: one merged update-account-password-policy, never weaker than what is there."""

from __future__ import annotations

import boto3
import pytest

from actions.options import FixOptions
from tests.support.auditing import audit_one
from tests.support.fixing import fix
from tests.support.identity import PASSWORD_CONTROLS
from wizard.audit.findings import Status
from wizard.errors import UsageError


def policy() -> dict:
    return boto3.client("iam", region_name="us-east-1").get_account_password_policy()["PasswordPolicy"]


def test_fresh_account_gets_one_call_then_passes_then_nothing_left(ctx) -> None:
    first = fix(ctx, "1.5")
    assert [p.id for p in first.selection.plans] == ["password-policy"]
    steps = first.selection.plans[0].steps
    assert len(steps) == 1
    assert steps[0].cli().startswith("aws iam update-account-password-policy --require-uppercase-characters")
    assert first.outcomes[0].ok
    assert first.selection.plans[0].undo[0].operation == "DeleteAccountPasswordPolicy"
    for control_id in PASSWORD_CONTROLS:
        assert audit_one(ctx, control_id).status is Status.PASS
    again = fix(ctx, *PASSWORD_CONTROLS)
    assert again.selection.plans == []
    assert again.journal.entries == []


def test_stricter_values_and_unrelated_settings_are_kept(ctx) -> None:
    boto3.client("iam", region_name="us-east-1").update_account_password_policy(
        MinimumPasswordLength=20,
        PasswordReusePrevention=24,
        MaxPasswordAge=30,
        AllowUsersToChangePassword=False,
        HardExpiry=True,
        RequireSymbols=True,
    )
    run = fix(ctx, *PASSWORD_CONTROLS)
    params = run.selection.plans[0].steps[0].params
    assert params["MinimumPasswordLength"] == 20
    assert params["PasswordReusePrevention"] == 24
    assert params["MaxPasswordAge"] == 30
    assert params["AllowUsersToChangePassword"] is False
    assert params["HardExpiry"] is True
    after = policy()
    assert after["MinimumPasswordLength"] == 20 and after["MaxPasswordAge"] == 30
    assert after["RequireUppercaseCharacters"] and after["RequireLowercaseCharacters"] and after["RequireNumbers"]
    undo = run.selection.plans[0].undo[0]
    assert undo.operation == "UpdateAccountPasswordPolicy"
    assert undo.params["MinimumPasswordLength"] == 20


def test_weak_values_are_raised_to_cis(ctx) -> None:
    boto3.client("iam", region_name="us-east-1").update_account_password_policy(
        MinimumPasswordLength=8, MaxPasswordAge=365, PasswordReusePrevention=3
    )
    fix(ctx, "1.9", "1.10", "1.11")
    after = policy()
    assert (after["MinimumPasswordLength"], after["PasswordReusePrevention"], after["MaxPasswordAge"]) == (14, 24, 90)


def test_admin_may_ask_for_stricter_values_only(ctx) -> None:
    fix(ctx, "1.9", options=FixOptions(min_password_length=16, max_password_age=60))
    assert policy()["MinimumPasswordLength"] == 16
    assert policy()["MaxPasswordAge"] == 60
    with pytest.raises(UsageError, match="below the CIS minimum of 14"):
        FixOptions(min_password_length=12)
    with pytest.raises(UsageError, match="between 1 and 90"):
        FixOptions(max_password_age=120)
