"""1.3, 1.4, 1.21: deactivate unused, old or never-used access keys; delete unused console passwords (1.3).

The credential report names key slots (access_key_1/2), not key ids, and AWS may serve a report up to four
hours old. So each failing slot is mapped to a key id with ListAccessKeys (by creation date, which is the
report's last_rotated, falling back to creation order), and each key is checked again against what IAM says
now (still active, still old, still unused) before a step is planned for it.

The caller's own access key and own console password are never touched: the plan leaves them out and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actions.registry import FixContext, PlanDraft, register_fix
from wizard.audit.findings import Finding
from wizard.checks import CHECKS, run_check
from wizard.checks.thresholds import KEY_ROTATION_DAYS, UNUSED_CREDENTIAL_DAYS
from wizard.collectors.credential_report import CredentialRow, key_slots, whole_second
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Risk

PASSWORD = "password"
KEY_SLOT_PREFIX = "access_key_"

# A key is still due when it fails the control now (IAM's current answer, not the report's).
KeyDue = Callable[["KeyFacts", datetime], str | None]


def finding_for(fix: FixContext, control_id: str) -> Finding:
    """The audit's finding for `control_id`, or the check run now on the same inventory (same cached reads)."""
    found = fix.findings.get(control_id)
    return found if found is not None else run_check(CHECKS[control_id], fix.inventory)


def failing_credentials(fix: FixContext, control_id: str) -> list[tuple[str, str, str]]:
    """(user, credential, reason) for each failing resource "user:credential" of a credential-report control."""
    found = []
    for result in finding_for(fix, control_id).failing():
        user, _, credential = result.id.rpartition(":")  # IAM user names cannot contain ":"
        if user and (credential == PASSWORD or credential.startswith(KEY_SLOT_PREFIX)):
            found.append((user, credential, result.reason))
    return found


def _days(moment: datetime, now: datetime) -> int:
    return int((now - whole_second(moment)).total_seconds() // 86400)


def access_keys(fix: FixContext, user: str) -> list[dict[str, Any]]:
    return fix.inventory.fetch("iam", "ListAccessKeys", fix.home_region, "AccessKeyMetadata", UserName=user)


@dataclass(frozen=True)
class KeyFacts:
    user: str
    slot: int
    key_id: str
    status: str
    created: datetime
    last_used: datetime | None


def _last_used(fix: FixContext, key_id: str) -> datetime | None:
    reply = fix.inventory.fetch("iam", "GetAccessKeyLastUsed", fix.home_region, AccessKeyId=key_id)
    used = (reply.get("AccessKeyLastUsed") or {}).get("LastUsedDate")
    return used if isinstance(used, datetime) else None


def unused_key_due(key: KeyFacts, now: datetime) -> str | None:
    when, how = (key.last_used, "last used") if key.last_used else (key.created, "created and never used")
    days = _days(when, now)
    return f"{how} {days} day(s) ago" if days >= UNUSED_CREDENTIAL_DAYS else None


def old_key_due(key: KeyFacts, now: datetime) -> str | None:
    days = _days(key.created, now)
    return f"created {days} day(s) ago" if days > KEY_ROTATION_DAYS else None


def never_used_key_due(key: KeyFacts, now: datetime) -> str | None:
    return None if key.last_used else f"never used since it was created on {whole_second(key.created):%Y-%m-%d}"


NEEDS_LAST_USE = (unused_key_due, never_used_key_due)  # 1.4 goes by age alone: no GetAccessKeyLastUsed


@dataclass
class _CredentialChanges:
    """What a credential plan collects, credential by credential, before it becomes a plan."""

    steps: list[ApiCall]
    undo: list[ApiCall]
    affected: list[str]
    notes: list[str]
    own: list[str]  # the caller's credentials that were left out

    @classmethod
    def empty(cls) -> _CredentialChanges:
        return cls([], [], [], [], [])


def _key_status(fix: FixContext, user: str, key_id: str, status: str, purpose: str, risk: Risk = Risk.SAFE) -> ApiCall:
    """The call that makes `user`'s access key `key_id` "Inactive" (deactivates it) or "Active" again."""
    verb = "deactivate" if status == "Inactive" else "reactivate"
    params = {"UserName": user, "AccessKeyId": key_id, "Status": status}
    return ApiCall(f"{verb}-{key_id}", "iam", "UpdateAccessKey", params, fix.home_region, purpose, risk)


def _plan_key(
    fix: FixContext, changes: _CredentialChanges, row: CredentialRow, slot: int, control_id: str, due: KeyDue
) -> None:
    label = f"{row.user}'s access_key_{slot}"
    try:
        key = key_slots(row, access_keys(fix, row.user)).get(slot)
    except AwsReadError as error:
        changes.notes.append(f"{label}: cannot list the user's keys ({error.reason}); not changed.")
        return
    if key is None:
        changes.notes.append(
            f"{label}: IAM lists no such key any more (the credential report is older); nothing to do."
        )
        return
    key_id = str(key["AccessKeyId"])
    if key_id == fix.caller_access_key_id:
        changes.own.append(f"your own access key {key_id} ({label})")
        return
    earlier = fix.earlier.find("iam", "UpdateAccessKey", AccessKeyId=key_id, Status="Inactive")
    if earlier:
        changes.notes.append(f"{label} ({key_id}) is deactivated by {fix.earlier.by_whom(earlier)}.")
        return
    if key.get("Status") != "Active":
        changes.notes.append(f"{label} ({key_id}) is already inactive (the credential report is older); nothing to do.")
        return
    try:
        last_used = _last_used(fix, key_id) if due in NEEDS_LAST_USE else None
    except AwsReadError as error:
        changes.notes.append(f"{label} ({key_id}): cannot read its last use ({error.reason}); not changed.")
        return
    facts = KeyFacts(row.user, slot, key_id, "Active", key["CreateDate"], last_used)
    reason = due(facts, fix.inventory.now)
    if reason is None:
        changes.notes.append(f"{label} ({key_id}) no longer fails {control_id} by IAM's current data; not changed.")
        return
    purpose = f"deactivate {label} ({key_id}), {reason}: programs using it get AccessDenied until it is reactivated"
    changes.steps.append(_key_status(fix, row.user, key_id, "Inactive", purpose, Risk.DISRUPTIVE))
    changes.undo.append(_key_status(fix, row.user, key_id, "Active", f"reactivate {label} ({key_id})"))
    changes.affected.append(f"user {row.user}: whatever signs requests with access key {key_id}")


def _plan_password(fix: FixContext, changes: _CredentialChanges, row: CredentialRow, reason: str) -> None:
    if row.user == fix.caller_user_name:
        changes.own.append(f"your own console password (user {row.user})")
        return
    earlier = fix.earlier.find("iam", "DeleteLoginProfile", UserName=row.user)
    if earlier:
        changes.notes.append(f"{row.user}'s console password is deleted by {fix.earlier.by_whom(earlier)}.")
        return
    try:
        fix.inventory.fetch("iam", "GetLoginProfile", fix.home_region, UserName=row.user)
    except AwsReadError as error:
        if error.code == "NoSuchEntity":
            changes.notes.append(f"{row.user} has no console password any more (the report is older); nothing to do.")
        else:
            changes.notes.append(
                f"{row.user}'s console password: cannot confirm it exists ({error.reason}); not changed."
            )
        return
    changes.steps.append(
        ApiCall(
            f"delete-login-profile-{row.user}",
            "iam",
            "DeleteLoginProfile",
            {"UserName": row.user},
            fix.home_region,
            f"delete {row.user}'s console password ({reason}); this CANNOT be undone: signing in again needs a "
            "new password set by an admin (create-login-profile)",
            Risk.IRREVERSIBLE,
        )
    )
    changes.affected.append(f"user {row.user}: can no longer sign in to the AWS console")
    changes.notes.append(
        f"Deleting {row.user}'s console password cannot be undone: the password is gone. If {row.user} needs the "
        "console again, an admin sets a new password with `aws iam create-login-profile` (there is no undo step)."
    )


def credential_plan(fix: FixContext, control_id: str, due: KeyDue, notes: tuple[str, ...] = ()) -> PlanDraft:
    """Deactivate each failing key of `control_id` (and, for 1.3, delete each failing console password)."""
    failing = failing_credentials(fix, control_id)
    rows = {row.user: row for row in fix.inventory.credential_report()}
    if not failing:
        return PlanDraft()
    changes = _CredentialChanges.empty()
    for user, credential, reason in failing:
        row = rows.get(user)
        if row is None:
            changes.notes.append(f"{user} is no longer in the credential report; nothing to do.")
        elif credential == PASSWORD:
            _plan_password(fix, changes, row, reason)
        else:
            _plan_key(fix, changes, row, int(credential.removeprefix(KEY_SLOT_PREFIX)), control_id, due)
    own_note = (
        [
            "Left out, so the wizard cannot lock you out: "
            + "; ".join(changes.own)
            + f". It still fails {control_id}: rotate or retire it yourself, from other credentials."
        ]
        if changes.own
        else []
    )
    all_notes = (*own_note, *(notes if changes.steps else ()), *changes.notes)
    refused = None
    if not changes.steps and changes.own:
        refused = f"the only credential(s) left to fix are your own ({'; '.join(changes.own)}): not changed"
    return PlanDraft(changes.steps, undo=changes.undo, notes=all_notes, affected=changes.affected, refused=refused)


# What each plan adds to its notes when it deactivates something.
UNUSED_CREDENTIAL_NOTES = (
    "Deactivated keys are kept: reactivate one (the undo) if something turns out to need it, or delete it "
    "once nothing has complained for a while.",
)
OLD_KEY_NOTES = (
    "Rotate rather than just switch off a key that is in use: create a new key for the user "
    "(`aws iam create-access-key`), switch every program to it, check it works, then deactivate the old "
    "key (this plan) and delete it once nothing breaks.",
    "The wizard does not create access keys: a new secret should go straight to the person or program that "
    "uses it, not through this tool, its screen or its log.",
)
SETUP_KEY_NOTES = (
    "These keys were made along with a console user and never used. Create a key only when a program "
    "needs one; console users sign in with their password and MFA.",
)

KEY_PERMISSIONS = (
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:UpdateAccessKey",
)


@register_fix(
    "unused-credentials",
    ("1.3",),
    title=f"Disable credentials unused for {UNUSED_CREDENTIAL_DAYS} days or more",
    permissions=(*KEY_PERMISSIONS, "iam:GetLoginProfile", "iam:DeleteLoginProfile"),
)
def unused_credentials_plan(fix: FixContext) -> PlanDraft:
    return credential_plan(fix, "1.3", unused_key_due, UNUSED_CREDENTIAL_NOTES)


@register_fix(
    "old-access-keys",
    ("1.4",),
    title=f"Deactivate access keys older than {KEY_ROTATION_DAYS} days",
    after=("unused-credentials",),
    permissions=KEY_PERMISSIONS,
)
def old_access_keys_plan(fix: FixContext) -> PlanDraft:
    return credential_plan(fix, "1.4", old_key_due, OLD_KEY_NOTES)


@register_fix(
    "setup-access-keys",
    ("1.21",),
    title="Deactivate never-used access keys of console users",
    after=("unused-credentials", "old-access-keys"),
    permissions=KEY_PERMISSIONS,
)
def setup_access_keys_plan(fix: FixContext) -> PlanDraft:
    return credential_plan(fix, "1.21", never_used_key_due, SETUP_KEY_NOTES)
