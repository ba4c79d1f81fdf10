"""1.16 (policies through groups), 1.20 (a support role), 1.22 (no attached "*:*" customer policies).

1.16 moves rights without a gap: each user first joins a group with exactly the same policies, and only then
loses its own. 1.22 never detaches a policy that is the caller's own path to admin.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from actions.registry import FixContext, register_fix
from wizard.aws.policy_documents import (
    PolicyDocumentError,
    default_version_document,
    document_grants_full_admin,
    load_document,
    policy_json,
)
from wizard.collectors.iam import AuthorizationDetails
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Plan, Risk

CREATED_BY_TAG = {"Key": "created-by", "Value": "cis-wizard"}
IAM_NAME_MAX = 128
GROUPS_PER_USER_MAX = 10  # IAM quota: a user can be in at most 10 groups
SLUG_NAMES_MAX = 60  # how much of the policy names a group name shows before its digest
_NOT_IAM_NAME = re.compile(r"[^A-Za-z0-9+=,.@_-]+")


def canonical_document(document: Any) -> str:
    """A policy document as compact JSON with sorted keys, so equal documents compare equal."""
    return json.dumps(load_document(document), sort_keys=True, separators=(",", ":"))


# -- 1.16 --------------------------------------------------------------------------------------------------
PolicySet = tuple[tuple[str, ...], tuple[str, ...]]  # (managed policy ARNs, canonical inline documents), sorted


def _inline_documents(owner: str, policies: list[dict[str, Any]]) -> tuple[str, ...]:
    """The canonical documents of an owner's inline policies; one that cannot be read is named, never
    replaced by another document (PolicyDocumentError)."""
    documents = []
    for policy in policies:
        try:
            documents.append(canonical_document(policy.get("PolicyDocument")))
        except PolicyDocumentError as error:
            raise PolicyDocumentError(f"{owner}'s inline policy {policy.get('PolicyName')}: {error}") from error
    return tuple(sorted(documents))


def user_policy_set(user: dict[str, Any]) -> PolicySet:
    managed = tuple(sorted({p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])}))
    return managed, _inline_documents(f"user {user.get('UserName')}", user.get("UserPolicyList", []))


def group_policy_set(group: dict[str, Any]) -> PolicySet:
    managed = tuple(sorted({p["PolicyArn"] for p in group.get("AttachedManagedPolicies", [])}))
    return managed, _inline_documents(f"group {group.get('GroupName')}", group.get("GroupPolicyList", []))


def group_name_for(prefix: str, policy_names: list[str], policy_set: PolicySet) -> str:
    """`prefix` + the policy names + a digest of the exact policy set: deterministic, a valid IAM name."""
    digest = hashlib.sha256(json.dumps(policy_set).encode()).hexdigest()[:8]
    names = _NOT_IAM_NAME.sub("-", "-".join(dict.fromkeys(policy_names))).strip("-")
    room = min(SLUG_NAMES_MAX, IAM_NAME_MAX - len(prefix) - len(digest) - 1)
    names = names[:room].rstrip("-")
    return f"{prefix}{names}-{digest}" if names else f"{prefix}{digest}"


@dataclass
class _Move:
    """One policy set: the users that have it, and the group that will carry it for them."""

    policy_set: PolicySet
    users: list[dict[str, Any]] = field(default_factory=list)
    group: str = ""
    create: bool = False
    matching: tuple[str, ...] = ()  # existing groups with exactly this policy set
    granted: PolicySet = ((), ())  # what the group has already (a group of ours that a stopped run began)

    @property
    def completing(self) -> bool:
        """The group exists under the name this fix gives it but lacks some of the policies."""
        return not self.create and self.group not in self.matching


def _choose_groups(fix: FixContext, moves: list[_Move], groups: list[dict[str, Any]]) -> None:
    taken = {g["GroupName"].lower() for g in groups}
    for move in moves:
        first = move.users[0]
        names = [p["PolicyName"] for p in first.get("AttachedManagedPolicies", [])] + [
            p["PolicyName"] for p in first.get("UserPolicyList", [])
        ]
        wanted = group_name_for(fix.options.name_prefix, sorted(names), move.policy_set)
        matching = sorted(g["GroupName"] for g in groups if group_policy_set(g) == move.policy_set)
        move.matching = tuple(matching)
        if matching:
            move.group = wanted if wanted in matching else matching[0]
            continue
        ours = next((g for g in groups if g["GroupName"] == wanted), None)
        if ours is not None and _is_part_of(group_policy_set(ours), move.policy_set):
            # The name carries a digest of the exact policy set: a run that stopped part-way made it.
            move.group, move.granted = wanted, group_policy_set(ours)
            continue
        name, n = wanted, 1
        while name.lower() in taken:  # a group of that name exists with other policies: never change it
            n += 1
            suffix = f"-{n}"
            name = wanted[: IAM_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        move.group, move.create = name, True


def _is_part_of(granted: PolicySet, wanted: PolicySet) -> bool:
    return set(granted[0]) <= set(wanted[0]) and set(granted[1]) <= set(wanted[1])


def _group_grant_steps(fix: FixContext, index: int, move: _Move) -> tuple[list[ApiCall], list[ApiCall]]:
    """Create the group with the users' policies (if new), or give a group of ours the ones it still lacks;
    returns (steps, undo that empties and removes what was made)."""
    region, group = fix.home_region, move.group
    if not (move.create or move.completing):
        return [], []
    first = move.users[0]
    steps: list[ApiCall] = []
    if move.create:
        steps.append(
            ApiCall(
                f"create-group-{index}",
                "iam",
                "CreateGroup",
                {"GroupName": group},
                region,
                f"create group {group} to carry the policies its users have today",
            )
        )
    undo_group: list[ApiCall] = []
    have_managed, have_inline = set(move.granted[0]), set(move.granted[1])
    for n, policy in enumerate(first.get("AttachedManagedPolicies", []), 1):
        if policy["PolicyArn"] in have_managed:
            continue
        params = {"GroupName": group, "PolicyArn": policy["PolicyArn"]}
        steps.append(
            ApiCall(
                f"attach-group-{index}-{n}",
                "iam",
                "AttachGroupPolicy",
                params,
                region,
                f"give group {group} the managed policy {policy['PolicyName']}",
            )
        )
        undo_group.append(
            ApiCall(f"undo-attach-group-{index}-{n}", "iam", "DetachGroupPolicy", params, region, "empty the group")
        )
    for n, policy in enumerate(first.get("UserPolicyList", []), 1):
        name = policy["PolicyName"]
        if canonical_document(policy["PolicyDocument"]) in have_inline:
            continue
        steps.append(
            ApiCall(
                f"put-group-{index}-{n}",
                "iam",
                "PutGroupPolicy",
                {
                    "GroupName": group,
                    "PolicyName": name,
                    "PolicyDocument": canonical_document(policy["PolicyDocument"]),
                },
                region,
                f"give group {group} the inline policy {name}, with the same document",
            )
        )
        undo_group.append(
            ApiCall(
                f"undo-put-group-{index}-{n}",
                "iam",
                "DeleteGroupPolicy",
                {"GroupName": group, "PolicyName": name},
                region,
                "empty the group",
            )
        )
    if move.create:
        undo_group.append(
            ApiCall(
                f"undo-create-group-{index}", "iam", "DeleteGroup", {"GroupName": group}, region, "remove the group"
            )
        )
    return steps, undo_group


def _user_steps(group: str, region: str, user: dict[str, Any]) -> tuple[list[ApiCall], list[ApiCall]]:
    """Detach and delete the user's own policies (`group` grants them); returns (steps, undo that puts them back)."""
    name = user["UserName"]
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    for n, policy in enumerate(user.get("AttachedManagedPolicies", []), 1):
        params = {"UserName": name, "PolicyArn": policy["PolicyArn"]}
        steps.append(
            ApiCall(
                f"detach-user-{name}-{n}",
                "iam",
                "DetachUserPolicy",
                params,
                region,
                f"detach {policy['PolicyName']} from user {name} (group {group} now grants it)",
                Risk.DISRUPTIVE,
            )
        )
        undo.append(
            ApiCall(f"reattach-user-{name}-{n}", "iam", "AttachUserPolicy", params, region, f"re-attach to {name}")
        )
    for n, policy in enumerate(user.get("UserPolicyList", []), 1):
        policy_name = policy["PolicyName"]
        steps.append(
            ApiCall(
                f"delete-inline-{name}-{n}",
                "iam",
                "DeleteUserPolicy",
                {"UserName": name, "PolicyName": policy_name},
                region,
                f"delete user {name}'s inline policy {policy_name} (group {group} now has the same document)",
                Risk.DISRUPTIVE,
            )
        )
        undo.append(
            ApiCall(
                f"restore-inline-{name}-{n}",
                "iam",
                "PutUserPolicy",
                {
                    "UserName": name,
                    "PolicyName": policy_name,
                    "PolicyDocument": canonical_document(policy["PolicyDocument"]),
                },
                region,
                f"put the inline policy {policy_name} back on {name}",
            )
        )
    return steps, undo


def _after_earlier_plans(fix: FixContext, details: AuthorizationDetails) -> tuple[list[dict], list[dict], list[str]]:
    """Users and groups as they will be once the plans before this one have run (1.22 detaching a "*:*"
    policy): what those plans take away is not moved into a group, nor detached a second time."""
    notes: list[str] = []
    users = []
    for user in details.users:
        name = user["UserName"]
        detached = fix.earlier.find("iam", "DetachUserPolicy", UserName=name)
        deleted = fix.earlier.find("iam", "DeleteUserPolicy", UserName=name)
        gone = {c.call.params["PolicyArn"] for c in detached}
        gone_inline = {c.call.params["PolicyName"] for c in deleted}
        if gone or gone_inline:
            names = sorted(
                p["PolicyName"] for p in user.get("AttachedManagedPolicies", []) if p["PolicyArn"] in gone
            ) + sorted(gone_inline)
            notes.append(f"{name}: {', '.join(names)} is removed by {fix.earlier.by_whom([*detached, *deleted])}.")
        users.append(
            {
                **user,
                "AttachedManagedPolicies": [
                    p for p in user.get("AttachedManagedPolicies", []) if p["PolicyArn"] not in gone
                ],
                "UserPolicyList": [p for p in user.get("UserPolicyList", []) if p["PolicyName"] not in gone_inline],
            }
        )
    groups = []
    for group in details.groups:
        gone = {
            c.call.params["PolicyArn"]
            for c in fix.earlier.find("iam", "DetachGroupPolicy", GroupName=group["GroupName"])
        }
        groups.append(
            {
                **group,
                "AttachedManagedPolicies": [
                    p for p in group.get("AttachedManagedPolicies", []) if p["PolicyArn"] not in gone
                ],
            }
        )
    return users, groups, notes


@register_fix(
    "user-policies-to-groups",
    ("1.16",),
    after=("admin-policies",),
    permissions=(
        "iam:GetAccountAuthorizationDetails",
        "iam:CreateGroup",
        "iam:AttachGroupPolicy",
        "iam:PutGroupPolicy",
        "iam:AddUserToGroup",
        "iam:DetachUserPolicy",
        "iam:DeleteUserPolicy",
        # undo
        "iam:AttachUserPolicy",
        "iam:PutUserPolicy",
        "iam:RemoveUserFromGroup",
        "iam:DetachGroupPolicy",
        "iam:DeleteGroupPolicy",
        "iam:DeleteGroup",
    ),
)
def user_policies_to_groups_plan(fix: FixContext) -> Plan:
    title = "Give users their policies through groups instead of directly"
    try:
        details = fix.inventory.authorization_details()
    except AwsReadError as error:
        return Plan("user-policies-to-groups", ("1.16",), title, (), refused=f"cannot read IAM: {error.reason}")
    try:
        return _moves_plan(fix, details, title)
    except PolicyDocumentError as error:
        return Plan("user-policies-to-groups", ("1.16",), title, (), refused=f"{error}; not changed")


def _moves_plan(fix: FixContext, details: AuthorizationDetails, title: str) -> Plan:
    users, groups, notes = _after_earlier_plans(fix, details)
    moves: dict[PolicySet, _Move] = {}
    own_kept = False
    for user in sorted(users, key=lambda u: u["UserName"]):
        if not (user.get("AttachedManagedPolicies") or user.get("UserPolicyList")):
            continue
        if user["UserName"] == fix.caller_user_name:
            own_kept = True
            notes.append(
                f"Your own user {user['UserName']} keeps its policies (the wizard never changes its own access); "
                "move them to a group yourself, or from another admin, to pass 1.16."
            )
            continue
        key = user_policy_set(user)
        moves.setdefault(key, _Move(key)).users.append(user)
    if not moves:
        refused = (
            f"only your own user {fix.caller_user_name} has policies of its own: not changed" if own_kept else None
        )
        return Plan("user-policies-to-groups", ("1.16",), title, (), notes=tuple(notes), refused=refused)
    _choose_groups(fix, list(moves.values()), groups)
    grant: list[ApiCall] = []
    remove: list[ApiCall] = []
    undo_users: list[ApiCall] = []
    undo_membership: list[ApiCall] = []
    undo_groups: list[ApiCall] = []
    affected: list[str] = []
    for index, move in enumerate(moves.values(), 1):
        steps, undo = _group_grant_steps(fix, index, move)
        grant += steps
        undo_groups += undo
        carried = ", ".join(
            [p["PolicyName"] for p in move.users[0].get("AttachedManagedPolicies", [])]
            + [f"{p['PolicyName']} (inline)" for p in move.users[0].get("UserPolicyList", [])]
        )
        kind = (
            "new group with"
            if move.create
            else "group of ours, completed with"
            if move.completing
            else "existing group that already has exactly"
        )
        notes.append(f"{move.group} ({kind} {carried}): {', '.join(u['UserName'] for u in move.users)}.")
        for user in move.users:
            name = user["UserName"]
            groups = set(user.get("GroupList", []))
            carriers = set(move.matching) | ({move.group} if move.completing else set())
            already_in = groups & carriers  # then only the user's own copies of the policies go
            if not already_in:
                if len(groups) >= GROUPS_PER_USER_MAX:
                    notes.append(f"{name} is already in {len(groups)} groups (the IAM limit): left as it is.")
                    continue
                membership = {"GroupName": move.group, "UserName": name}
                grant.append(
                    ApiCall(
                        f"add-{index}-{name}",
                        "iam",
                        "AddUserToGroup",
                        membership,
                        fix.home_region,
                        f"add {name} to {move.group}, which grants the same policies the user has",
                    )
                )
                undo_membership.append(
                    ApiCall(
                        f"undo-add-{index}-{name}",
                        "iam",
                        "RemoveUserFromGroup",
                        membership,
                        fix.home_region,
                        f"take {name} out of {move.group}",
                    )
                )
            carrier = min(already_in, default=move.group)
            steps, undo = _user_steps(carrier, fix.home_region, user)
            remove += steps
            undo_users += undo
            affected.append(f"user {name}: same rights, now through group {carrier}")
    notes.insert(
        0,
        "Every user first joins a group with exactly the same policies; only then are the user's own policies "
        "removed, so nobody loses access at any point. Manage these users' rights through the groups from now on.",
    )
    return Plan(
        "user-policies-to-groups",
        ("1.16",),
        title,
        (*grant, *remove),
        undo=(*undo_users, *undo_membership, *undo_groups),
        notes=tuple(notes),
        affected=tuple(affected),
    )


# -- 1.20 --------------------------------------------------------------------------------------------------
SUPPORT_POLICY = "AWSSupportAccess"


@register_fix(
    "support-role",
    ("1.20",),
    permissions=(
        "iam:GetAccountAuthorizationDetails",
        "iam:GetPolicy",
        "iam:CreateRole",
        "iam:TagRole",
        "iam:AttachRolePolicy",
        # undo
        "iam:DetachRolePolicy",
        "iam:DeleteRole",
    ),
)
def support_role_plan(fix: FixContext) -> Plan:
    title = "Create a role for managing AWS Support cases"
    try:
        roles = fix.inventory.authorization_details().roles
    except AwsReadError as error:
        return Plan("support-role", ("1.20",), title, (), refused=f"cannot read IAM roles: {error.reason}")
    policy_arn = f"arn:{fix.partition}:iam::aws:policy/{SUPPORT_POLICY}"
    if any(p.get("PolicyArn") == policy_arn for r in roles for p in r.get("AttachedManagedPolicies", [])):
        return Plan("support-role", ("1.20",), title, ())
    try:
        fix.inventory.fetch("iam", "GetPolicy", fix.home_region, PolicyArn=policy_arn)
    except AwsReadError as error:
        if error.code == "NoSuchEntity":  # a fake or trimmed endpoint: attaching would fail mid-plan
            return Plan(
                "support-role",
                ("1.20",),
                title,
                (),
                refused=f"the AWS-managed policy {policy_arn} does not exist here, so no role can be given it",
            )
    role = fix.options.name("support")
    account_root = f"arn:{fix.partition}:iam::{fix.account_id}:root"
    attach = {"RoleName": role, "PolicyArn": policy_arn}
    steps: list[ApiCall] = []
    undo = [ApiCall("undo-attach", "iam", "DetachRolePolicy", attach, fix.home_region, f"detach {SUPPORT_POLICY}")]
    notes = [
        f"The role trusts this account ({account_root}): only principals of this account that an IAM policy allows "
        f"sts:AssumeRole on {role} can use it. Grant that to the people who open AWS Support cases.",
    ]
    if any(r.get("RoleName") == role for r in roles):
        notes.append(f"Role {role} already exists: it is reused as it is (its trust policy is not changed).")
    else:
        steps.append(
            ApiCall(
                "create-role",
                "iam",
                "CreateRole",
                {
                    "RoleName": role,
                    "AssumeRolePolicyDocument": policy_json(
                        {"Effect": "Allow", "Principal": {"AWS": account_root}, "Action": "sts:AssumeRole"}
                    ),
                    "Description": "Manage AWS Support cases (CIS 1.20)",
                    "Tags": [CREATED_BY_TAG],
                },
                fix.home_region,
                f"create role {role}, which this account's own principals may assume",
            )
        )
        undo.append(ApiCall("undo-create", "iam", "DeleteRole", {"RoleName": role}, fix.home_region, "delete the role"))
    steps.append(
        ApiCall(
            "attach-support-policy",
            "iam",
            "AttachRolePolicy",
            attach,
            fix.home_region,
            f"let role {role} manage AWS Support cases (AWS-managed {SUPPORT_POLICY})",
        )
    )
    return Plan("support-role", ("1.20",), title, tuple(steps), undo=tuple(undo), notes=tuple(notes))


# -- 1.22 --------------------------------------------------------------------------------------------------
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


@register_fix(
    "admin-policies",
    ("1.22",),
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
def admin_policies_plan(fix: FixContext) -> Plan:
    title = 'Detach customer-managed policies that grant "*" on "*"'
    try:
        details = fix.inventory.authorization_details()
    except AwsReadError as error:
        return Plan("admin-policies", ("1.22",), title, (), refused=f"cannot read IAM: {error.reason}")
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
    caller_groups = {g for u in details.users if u["UserName"] == fix.caller_user_name for g in u.get("GroupList", [])}
    members: dict[str, list[str]] = {}
    for user in details.users:
        for group in user.get("GroupList", []):
            members.setdefault(group, []).append(user["UserName"])
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    affected: list[str] = []
    refusals: list[str] = list(unreadable)
    notes: list[str] = []
    for policy in sorted(admin, key=lambda p: p["Arn"]):
        arn = policy["Arn"]
        policy_name = policy.get("PolicyName") or arn.rsplit("/", 1)[-1]
        try:
            entities = policy_entities(fix, arn)
        except AwsReadError as error:
            notes.append(f"{arn}: cannot list what it is attached to ({error.reason}); not changed.")
            continue
        own = caller_admin_paths(fix, entities, caller_groups)
        if own:
            refusals.append(
                f"{arn} stays attached: it is your own path to admin ({'; '.join(own)}), and detaching it would "
                "lock you out. Give yourself admin another way first (e.g. the AWS-managed AdministratorAccess), "
                "then run this fix again"
            )
            continue
        for kind, _, _, detach, attach, param in ENTITY_KINDS:
            for name in entities[kind]:
                params = {param: name, "PolicyArn": arn}
                step_id = f"{kind.lower()}-{name}-{policy_name}"
                steps.append(
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
                undo.append(
                    ApiCall(f"reattach-{step_id}", "iam", attach, params, fix.home_region, f"re-attach to {name}")
                )
                who = f"{kind.lower()} {name}"
                if kind == "Group":
                    who += f" (members: {', '.join(sorted(members.get(name, []))) or 'none'})"
                affected.append(f"{who}: loses full admin from {policy_name}")
    if steps:
        notes.insert(
            0,
            "Each user, group and role listed loses every right the policy gave it. Give those that need some "
            "rights a least-privilege policy first. The policies themselves are kept, so undo can re-attach them.",
        )
    if refusals:
        notes += [r + "." for r in refusals]
    return Plan(
        "admin-policies",
        ("1.22",),
        title,
        tuple(steps),
        undo=tuple(undo),
        notes=tuple(notes),
        affected=tuple(affected),
        refused="; ".join(refusals) or None,
    )
