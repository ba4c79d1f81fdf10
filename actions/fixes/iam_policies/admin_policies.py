"""1.22: customer-managed policies that grant "*" on "*" are detached from every user, group and role, never
from the caller's own path to admin (that plan is refused with the reason). The policies themselves stay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import PolicyDocumentError, default_version_document, document_grants_full_admin
from wizard.collectors.iam import AuthorizationDetails
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Risk

ENTITY_KINDS = (
    # (EntityFilter, result key, name key, detach operation, attach operation, name parameter)
    ("User", "PolicyUsers", "UserName", "DetachUserPolicy", "AttachUserPolicy", "UserName"),
    ("Group", "PolicyGroups", "GroupName", "DetachGroupPolicy", "AttachGroupPolicy", "GroupName"),
    ("Role", "PolicyRoles", "RoleName", "DetachRolePolicy", "AttachRolePolicy", "RoleName"),
)


def policy_entities(fix: FixContext, policy_arn: str) -> dict[str, list[str]]:
    """Entity kind ("User", "Group", "Role") -> names of what the policy is attached to (list-entities-for-policy)."""
    return {
        kind: [
            e[name_key]
            for e in fix.inventory.fetch(
                "iam", "ListEntitiesForPolicy", fix.home_region, result_key, PolicyArn=policy_arn, EntityFilter=kind
            )
        ]
        for kind, result_key, name_key, *_ in ENTITY_KINDS
    }


def caller_admin_paths(fix: FixContext, entities: dict[str, list[str]], caller_groups: set[str]) -> list[str]:
    """How the caller gets this policy: its own user, a group it is in, or the role it is using."""
    paths = []
    if fix.caller_user_name and fix.caller_user_name in entities["User"]:
        paths.append(f"attached to your user {fix.caller_user_name}")
    paths += [f"attached to group {g}, which your user is in" for g in entities["Group"] if g in caller_groups]
    if fix.caller_role_name and fix.caller_role_name in entities["Role"]:
        paths.append(f"attached to your role {fix.caller_role_name}")
    return paths


def full_admin_policies(details: AuthorizationDetails) -> tuple[list[dict[str, Any]], list[str]]:
    """The attached policies whose default version allows "*" on "*"; and those whose document cannot be read."""
    admin = []
    unreadable: list[str] = []
    for policy in details.policies:
        if not int(policy.get("AttachmentCount", 0)):
            continue
        try:
            if document_grants_full_admin(default_version_document(policy)):
                admin.append(policy)
        except PolicyDocumentError as error:
            unreadable.append(f"{policy['Arn']}: its default version cannot be read ({error}); not changed")
    return sorted(admin, key=lambda p: p["Arn"]), unreadable


@dataclass
class _Detachments:
    steps: list[ApiCall] = field(default_factory=list)
    undo: list[ApiCall] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)


def _detach_everywhere(
    fix: FixContext,
    found: _Detachments,
    policy_arn: str,
    policy_name: str,
    entities: dict[str, list[str]],
    members: dict[str, list[str]],
) -> None:
    for kind, _, _, detach, attach, param in ENTITY_KINDS:
        for name in entities[kind]:
            params = {param: name, "PolicyArn": policy_arn}
            step_id = f"{kind.lower()}-{name}-{policy_name}"
            found.steps.append(
                ApiCall(
                    f"detach-{step_id}",
                    "iam",
                    detach,
                    params,
                    fix.home_region,
                    f'detach {policy_name} ("*" on "*") from {kind.lower()} {name}: it loses every '
                    "right that policy gave it",
                    Risk.DISRUPTIVE,
                )
            )
            found.undo.append(
                ApiCall(f"reattach-{step_id}", "iam", attach, params, fix.home_region, f"re-attach to {name}")
            )
            who = f"{kind.lower()} {name}"
            if kind == "Group":
                who += f" (members: {', '.join(sorted(members.get(name, []))) or 'none'})"
            found.affected.append(f"{who}: loses full admin from {policy_name}")


def _own_path_refusal(arn: str, own: list[str]) -> str:
    return (
        f"{arn} stays attached: it is your own path to admin ({'; '.join(own)}), and detaching it would "
        "lock you out. Give yourself admin another way first (e.g. the AWS-managed AdministratorAccess), "
        "then run this fix again"
    )


@register_fix(
    "admin-policies",
    ("1.22",),
    title='Detach customer-managed policies that grant "*" on "*"',
    permissions=(
        "iam:GetAccountAuthorizationDetails",
        "iam:ListEntitiesForPolicy",
        "iam:DetachUserPolicy",
        "iam:DetachGroupPolicy",
        "iam:DetachRolePolicy",
        # undo
        "iam:AttachUserPolicy",
        "iam:AttachGroupPolicy",
        "iam:AttachRolePolicy",
    ),
)
def admin_policies_plan(fix: FixContext) -> PlanDraft:
    details = fix.inventory.authorization_details()
    admin, refusals = full_admin_policies(details)
    caller_groups = {g for u in details.users if u["UserName"] == fix.caller_user_name for g in u.get("GroupList", [])}
    members: dict[str, list[str]] = {}
    for user in details.users:
        for group in user.get("GroupList", []):
            members.setdefault(group, []).append(user["UserName"])
    found = _Detachments()
    notes: list[str] = []
    for policy in admin:
        arn = policy["Arn"]
        try:
            entities = policy_entities(fix, arn)
        except AwsReadError as error:
            notes.append(f"{arn}: cannot list what it is attached to ({error.reason}); not changed.")
            continue
        own = caller_admin_paths(fix, entities, caller_groups)
        if own:
            refusals.append(_own_path_refusal(arn, own))
            continue
        _detach_everywhere(fix, found, arn, policy.get("PolicyName") or arn.rsplit("/", 1)[-1], entities, members)
    if found.steps:
        notes.insert(
            0,
            "Each user, group and role listed loses every right the policy gave it. Give those that need some "
            "rights a least-privilege policy first. The policies themselves are kept, so undo can re-attach them.",
        )
    notes += [r + "." for r in refusals]
    return PlanDraft(
        found.steps, undo=found.undo, notes=notes, affected=found.affected, refused="; ".join(refusals) or None
    )
