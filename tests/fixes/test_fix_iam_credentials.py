"""1.3, 1.4, 1.21 fixes against moto: keys deactivated (undo: reactivate), unused passwords deleted (irreversible),
the caller's own key and password never touched, and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto.iam.models import AccessKeyLastUsed

from actions.fixes.iam_credentials import (
    key_slots,
    old_access_keys_plan,
    setup_access_keys_plan,
    unused_credentials_plan,
)
from tests.support.accounts import HOME
from tests.support.auditing import audit_one
from tests.support.fixing import assert_nothing_left, fix, fresh_context, run_undo
from tests.support.identity import NOW, age_user, backend_user, become, console_user, iam
from wizard.audit.findings import Finding, ResourceResult, Status
from wizard.aws.context import AwsContext
from wizard.collectors.credential_report import parse_credential_report
from wizard.plans.model import Risk


def key_status(user: str) -> dict[str, str]:
    return {k["AccessKeyId"]: k["Status"] for k in iam().list_access_keys(UserName=user)["AccessKeyMetadata"]}


def has_login_profile(user: str) -> bool:
    try:
        iam().get_login_profile(UserName=user)
    except iam().exceptions.NoSuchEntityException:
        return False
    return True


def new_key(user: str) -> str:
    return iam().create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]


def set_key_age(user: str, key_id: str, days: int) -> None:
    """Seed moto: this one key was created `days` ago."""
    for key in backend_user(user).access_keys:
        if key.access_key_id == key_id:
            key.create_date = NOW - timedelta(days=days)


def set_key_used(user: str, key_id: str, days_ago: int) -> None:
    """Seed moto: this key was last used `days_ago` days ago."""
    for key in backend_user(user).access_keys:
        if key.access_key_id == key_id:
            key.last_used = AccessKeyLastUsed(NOW - timedelta(days=days_ago), "s3", HOME)


def caller_beside(monkeypatch: pytest.MonkeyPatch, user: str, days: int) -> tuple[AwsContext, str, str]:
    """IAM users admin and `user`, each with an access key `days` old; a context signing with admin's key.
    (caller's context, admin's key, `user`'s key)"""
    iam().create_user(UserName="admin")
    iam().create_user(UserName=user)
    key = new_key(user)
    age_user(user, days)
    caller_ctx, own = become(monkeypatch, "admin")
    set_key_age("admin", own, days)
    return caller_ctx, own, key


def reported_keys(control_id: str, summary: str, reason: str, *users: str) -> Finding:
    """A failing finding that names each user's access_key_1 for `reason`, as a stale credential report may."""
    failing = tuple(ResourceResult(f"{user}:access_key_1", "global", Status.FAIL, reason) for user in users)
    return Finding(control_id, Status.FAIL, summary, failing)


# -- 1.3 ---------------------------------------------------------------------------------------------------
def test_1_3_deactivates_the_unused_key_and_deletes_the_unused_password(ctx) -> None:
    console_user("stale")
    stale_key = new_key("stale")
    age_user("stale", 120)
    iam().create_user(UserName="fresh")
    fresh_key = new_key("fresh")
    assert audit_one(ctx, "1.3").status is Status.FAIL

    run = fix(ctx, "1.3")
    [plan] = run.selection.plans
    assert plan.id == "unused-credentials"
    by_operation = {s.operation: s for s in plan.steps}
    deactivate, delete = by_operation["UpdateAccessKey"], by_operation["DeleteLoginProfile"]
    assert deactivate.params == {"UserName": "stale", "AccessKeyId": stale_key, "Status": "Inactive"}
    assert deactivate.risk is Risk.DISRUPTIVE
    assert delete.params == {"UserName": "stale"}
    assert delete.risk is Risk.IRREVERSIBLE
    assert plan.risk is Risk.IRREVERSIBLE
    assert "CANNOT be undone" in delete.purpose
    assert any("cannot be undone" in note for note in plan.notes)
    # Only the key has an undo; a deleted password has none.
    assert [(u.operation, u.params["Status"]) for u in plan.undo] == [("UpdateAccessKey", "Active")]
    assert any("stale" in a for a in plan.affected)
    assert all(o.ok for o in run.outcomes)

    assert key_status("stale") == {stale_key: "Inactive"}
    assert not has_login_profile("stale")
    assert key_status("fresh") == {fresh_key: "Active"}
    assert audit_one(ctx, "1.3").status is Status.PASS
    assert_nothing_left(ctx, "1.3")
    assert unused_credentials_plan(fresh_context(ctx)).is_empty


def test_1_3_undo_reactivates_the_key(ctx) -> None:
    iam().create_user(UserName="stale")
    key = new_key("stale")
    age_user("stale", 120)
    run = fix(ctx, "1.3")
    assert key_status("stale") == {key: "Inactive"}
    run_undo(ctx, run.selection.plans[0])
    assert key_status("stale") == {key: "Active"}


def test_1_3_a_key_used_recently_stays_even_if_old(ctx) -> None:
    iam().create_user(UserName="busy")
    busy = new_key("busy")
    age_user("busy", 400)
    set_key_used("busy", busy, 5)
    iam().create_user(UserName="idle")
    idle = new_key("idle")
    age_user("idle", 400)
    set_key_used("idle", idle, 100)
    fix(ctx, "1.3")
    assert key_status("busy") == {busy: "Active"}
    assert key_status("idle") == {idle: "Inactive"}


def test_1_3_maps_report_slots_to_key_ids_by_creation_date(ctx) -> None:
    """The second key in the report is the old one: the date decides, not the order of creation dates."""
    iam().create_user(UserName="two")
    first, second = new_key("two"), new_key("two")
    set_key_age("two", second, 200)  # access_key_2 is older than access_key_1 now
    finding = audit_one(ctx, "1.3")
    assert {r.id: r.status for r in finding.resources} == {
        "two:access_key_1": Status.PASS,
        "two:access_key_2": Status.FAIL,
    }
    fix(ctx, "1.3")
    assert key_status("two") == {first: "Active", second: "Inactive"}


def test_key_slots_fall_back_to_creation_order() -> None:
    header = (
        "user,arn,user_creation_time,password_enabled,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_2_active,access_key_2_last_rotated"
    )
    row = parse_credential_report(
        f"{header}\nu,arn:aws:iam::1:user/u,N/A,false,false,true,2020-01-01T00:00:00+00:00,true,N/A\n"
    )[0]
    older = {"AccessKeyId": "AKIAOLDER", "CreateDate": NOW - timedelta(days=30)}
    newer = {"AccessKeyId": "AKIANEWER", "CreateDate": NOW - timedelta(days=3)}
    # No date matches: slot 1 gets the oldest key, slot 2 the next.
    assert {n: k["AccessKeyId"] for n, k in key_slots(row, [newer, older]).items()} == {
        1: "AKIAOLDER",
        2: "AKIANEWER",
    }
    matching = {"AccessKeyId": "AKIAMATCH", "CreateDate": datetime(2020, 1, 1, 0, 0, 0, 123, tzinfo=UTC)}
    # Slot 1's date matches the newer-listed key; slot 2 takes what is left.
    assert {n: k["AccessKeyId"] for n, k in key_slots(row, [older, matching]).items()} == {
        1: "AKIAMATCH",
        2: "AKIAOLDER",
    }


def test_1_3_never_deletes_the_callers_own_password(ctx, monkeypatch) -> None:
    console_user("admin")
    console_user("stale")
    age_user("admin", 120)
    age_user("stale", 120)
    caller_ctx, _ = become(monkeypatch, "admin")
    run = fix(caller_ctx, "1.3")
    [plan] = run.selection.plans
    assert [(s.operation, s.params["UserName"]) for s in plan.steps] == [("DeleteLoginProfile", "stale")]
    assert any("your own console password (user admin)" in note for note in plan.notes)
    assert has_login_profile("admin")
    assert not has_login_profile("stale")
    # Only the caller's password is left: the wizard says why it will not touch it, and changes nothing.
    again = fix(caller_ctx, "1.3")
    assert again.selection.plans == [] and again.journal.entries == []
    [refused] = again.selection.refused
    assert "your own" in (refused.refused or "")
    assert has_login_profile("admin")


def test_1_3_never_deactivates_the_callers_own_key(ctx, monkeypatch) -> None:
    """A stale report (AWS serves one up to 4 hours old) may call the caller's key unused: it is still left."""
    caller_ctx, own, stale = caller_beside(monkeypatch, "stale", 120)
    finding = reported_keys(
        "1.3",
        "2 enabled credential(s) unused for 90 days or more.",
        "access_key_1 never used, set up 120 days ago",
        "admin",
        "stale",
    )
    context = fresh_context(caller_ctx, finding)
    assert context.caller_access_key_id == own
    plan = unused_credentials_plan(context)
    assert [s.params["AccessKeyId"] for s in plan.steps] == [stale]
    assert any(f"your own access key {own}" in note for note in plan.notes)
    assert own not in " ".join(s.cli() for s in plan.steps)


def test_a_stale_report_does_not_plan_a_key_iam_already_disabled(ctx) -> None:
    iam().create_user(UserName="stale")
    key = new_key("stale")
    age_user("stale", 120)
    context = fresh_context(ctx)
    context.inventory.credential_report()  # the report as the audit read it
    iam().update_access_key(UserName="stale", AccessKeyId=key, Status="Inactive")  # then someone acted
    plan = unused_credentials_plan(context)
    assert plan.is_empty
    assert any("already inactive" in note for note in plan.notes)


# -- 1.4 ---------------------------------------------------------------------------------------------------
def test_1_4_deactivates_keys_older_than_90_days_and_explains_rotation(ctx) -> None:
    iam().create_user(UserName="app")
    old, new = new_key("app"), new_key("app")
    set_key_age("app", old, 91)
    assert audit_one(ctx, "1.4").status is Status.FAIL
    run = fix(ctx, "1.4")
    [plan] = run.selection.plans
    assert plan.id == "old-access-keys"
    assert [(s.operation, s.params["AccessKeyId"], s.risk) for s in plan.steps] == [
        ("UpdateAccessKey", old, Risk.DISRUPTIVE)
    ]
    assert [u.params for u in plan.undo] == [{"UserName": "app", "AccessKeyId": old, "Status": "Active"}]
    assert any("create-access-key" in n and "then deactivate" in n for n in plan.notes)
    assert any("does not create access keys" in n for n in plan.notes)
    assert key_status("app") == {old: "Inactive", new: "Active"}
    assert audit_one(ctx, "1.4").status is Status.PASS
    assert_nothing_left(ctx, "1.4")
    assert old_access_keys_plan(fresh_context(ctx)).is_empty


def test_1_4_never_deactivates_the_callers_own_key(ctx, monkeypatch) -> None:
    caller_ctx, own, app_key = caller_beside(monkeypatch, "app", 200)
    run = fix(caller_ctx, "1.4")
    [plan] = run.selection.plans
    assert [s.params["AccessKeyId"] for s in plan.steps] == [app_key]
    assert any(f"your own access key {own}" in n for n in plan.notes)
    assert key_status("admin") == {own: "Active"}
    assert key_status("app") == {app_key: "Inactive"}
    # The caller's key alone still fails 1.4: refused with the reason, no call made.
    again = fix(caller_ctx, "1.4")
    assert again.selection.plans == [] and again.journal.entries == []
    [refused] = again.selection.refused
    assert own in (refused.refused or "")
    assert key_status("admin") == {own: "Active"}


# -- 1.21 --------------------------------------------------------------------------------------------------
def test_1_21_deactivates_console_users_never_used_keys(ctx) -> None:
    console_user("alice")
    unused = new_key("alice")
    console_user("bob")
    used = new_key("bob")
    set_key_used("bob", used, 1)
    iam().create_user(UserName="robot")
    robot = new_key("robot")  # no console password: not 1.21's business
    assert audit_one(ctx, "1.21").status is Status.FAIL
    run = fix(ctx, "1.21")
    [plan] = run.selection.plans
    assert plan.id == "setup-access-keys"
    assert [(s.params["AccessKeyId"], s.risk) for s in plan.steps] == [(unused, Risk.DISRUPTIVE)]
    assert [u.params["Status"] for u in plan.undo] == ["Active"]
    assert key_status("alice") == {unused: "Inactive"}
    assert key_status("bob") == {used: "Active"}
    assert key_status("robot") == {robot: "Active"}
    assert audit_one(ctx, "1.21").status is Status.PASS
    assert_nothing_left(ctx, "1.21")
    assert setup_access_keys_plan(fresh_context(ctx)).is_empty


def test_1_21_never_deactivates_the_callers_own_key(ctx, monkeypatch) -> None:
    console_user("admin")
    console_user("alice")
    alice = new_key("alice")
    caller_ctx, own = become(monkeypatch, "admin")
    stale_view = reported_keys(
        "1.21", "2 never-used access key(s) held by console users.", "never used", "admin", "alice"
    )
    plan = setup_access_keys_plan(fresh_context(caller_ctx, stale_view))
    assert [s.params["AccessKeyId"] for s in plan.steps] == [alice]
    assert any(f"your own access key {own}" in n for n in plan.notes)
