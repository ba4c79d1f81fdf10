"""1.16: users get their policies through groups. Each user with policies of its own first joins a group with
exactly the same policies, and only then loses its own, so nobody is without a right at any point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.fixes.iam_policies.policy_sets import Move, PolicySet, canonical_document, choose_groups, user_policy_set
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import PolicyDocumentError
from wizard.collectors.iam import AuthorizationDetails
from wizard.plans.model import ApiCall, Risk

GROUPS_PER_USER_MAX = 10  # IAM quota: a user can be in at most 10 groups
Change = tuple[list[ApiCall], list[ApiCall]]  # (steps, the undo that puts things back)


def _managed_grants(fix: FixContext, index: int, move: Move) -> Change:
    group, region = move.group, fix.home_region
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    for n, policy in enumerate(move.policies[0], 1):
        if policy["PolicyArn"] in move.granted[0]:
            continue
        params = {"GroupName": group, "PolicyArn": policy["PolicyArn"]}
        purpose = f"give group {group} the managed policy {policy['PolicyName']}"
        steps.append(ApiCall(f"attach-group-{index}-{n}", "iam", "AttachGroupPolicy", params, region, purpose))
        undo.append(
            ApiCall(f"undo-attach-group-{index}-{n}", "iam", "DetachGroupPolicy", params, region, "empty the group")
        )
    return steps, undo


def _inline_grants(fix: FixContext, index: int, move: Move) -> Change:
    group, region = move.group, fix.home_region
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    for n, policy in enumerate(move.policies[1], 1):
        name, document = policy["PolicyName"], canonical_document(policy["PolicyDocument"])
        if document in move.granted[1]:
            continue
        steps.append(
            ApiCall(
                f"put-group-{index}-{n}",
                "iam",
                "PutGroupPolicy",
                {"GroupName": group, "PolicyName": name, "PolicyDocument": document},
                region,
                f"give group {group} the inline policy {name}, with the same document",
            )
        )
        params = {"GroupName": group, "PolicyName": name}
        undo.append(
            ApiCall(f"undo-put-group-{index}-{n}", "iam", "DeleteGroupPolicy", params, region, "empty the group")
        )
    return steps, undo


def _group_grant_steps(fix: FixContext, index: int, move: Move) -> Change:
    """Create the group with the users' policies (if new), or give a group of ours the ones it still lacks;
    returns (steps, undo that empties and removes what was made)."""
    if not (move.create or move.completing):
        return [], []
    region, group = fix.home_region, move.group
    create = ApiCall(
        f"create-group-{index}",
        "iam",
        "CreateGroup",
        {"GroupName": group},
        region,
        f"create group {group} to carry the policies its users have today",
    )
    delete = ApiCall(
        f"undo-create-group-{index}", "iam", "DeleteGroup", {"GroupName": group}, region, "remove the group"
    )
    managed, undo_managed = _managed_grants(fix, index, move)
    inline, undo_inline = _inline_grants(fix, index, move)
    made, unmade = ([create], [delete]) if move.create else ([], [])
    return [*made, *managed, *inline], [*undo_managed, *undo_inline, *unmade]


def _user_steps(group: str, region: str, user: dict[str, Any]) -> Change:
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


def _without(policies: list[dict[str, Any]], key: str, gone: set[str]) -> list[dict[str, Any]]:
    return [p for p in policies if p[key] not in gone]


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
        managed = user.get("AttachedManagedPolicies", [])
        if gone or gone_inline:
            names = sorted(p["PolicyName"] for p in managed if p["PolicyArn"] in gone) + sorted(gone_inline)
            notes.append(f"{name}: {', '.join(names)} is removed by {fix.earlier.by_whom([*detached, *deleted])}.")
        users.append(
            {
                **user,
                "AttachedManagedPolicies": _without(managed, "PolicyArn", gone),
                "UserPolicyList": _without(user.get("UserPolicyList", []), "PolicyName", gone_inline),
            }
        )
    groups = []
    for group in details.groups:
        detached = fix.earlier.find("iam", "DetachGroupPolicy", GroupName=group["GroupName"])
        gone = {c.call.params["PolicyArn"] for c in detached}
        groups.append(
            {**group, "AttachedManagedPolicies": _without(group.get("AttachedManagedPolicies", []), "PolicyArn", gone)}
        )
    return users, groups, notes


@dataclass
class _MovePlan:
    """The calls of the plan as its moves add them, kept apart so that the plan grants before it removes
    and its undo puts the users' own policies back before it empties the groups."""

    grant: list[ApiCall] = field(default_factory=list)
    remove: list[ApiCall] = field(default_factory=list)
    undo_users: list[ApiCall] = field(default_factory=list)
    undo_membership: list[ApiCall] = field(default_factory=list)
    undo_groups: list[ApiCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)


def _moves_by_policy_set(
    fix: FixContext, users: list[dict[str, Any]], notes: list[str]
) -> tuple[dict[PolicySet, Move], bool]:
    """The users with policies of their own, grouped by the exact set they have; and whether the caller's
    own user was left out (the wizard never changes its own access)."""
    moves: dict[PolicySet, Move] = {}
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
        moves.setdefault(key, Move(key)).users.append(user)
    return moves, own_kept


def _describe(move: Move) -> str:
    managed, inline = move.policies
    carried = ", ".join([p["PolicyName"] for p in managed] + [f"{p['PolicyName']} (inline)" for p in inline])
    if move.create:
        kind = "new group with"
    elif move.completing:
        kind = "group of ours, completed with"
    else:
        kind = "existing group that already has exactly"
    return f"{move.group} ({kind} {carried}): {', '.join(u['UserName'] for u in move.users)}."


def _move_user(fix: FixContext, plan: _MovePlan, index: int, move: Move, user: dict[str, Any]) -> None:
    """Put `user` in the move's group (unless a group it is in carries the set already), then remove its own."""
    name = user["UserName"]
    member_of = set(user.get("GroupList", []))
    carriers = set(move.matching) | ({move.group} if move.completing else set())
    already_in = member_of & carriers  # then only the user's own copies of the policies go
    if not already_in:
        if len(member_of) >= GROUPS_PER_USER_MAX:
            plan.notes.append(f"{name} is already in {len(member_of)} groups (the IAM limit): left as it is.")
            return
        membership = {"GroupName": move.group, "UserName": name}
        plan.grant.append(
            ApiCall(
                f"add-{index}-{name}",
                "iam",
                "AddUserToGroup",
                membership,
                fix.home_region,
                f"add {name} to {move.group}, which grants the same policies the user has",
            )
        )
        plan.undo_membership.append(
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
    plan.remove += steps
    plan.undo_users += undo
    plan.affected.append(f"user {name}: same rights, now through group {carrier}")


def _moves_plan(fix: FixContext, details: AuthorizationDetails) -> PlanDraft:
    users, groups, notes = _after_earlier_plans(fix, details)
    moves, own_kept = _moves_by_policy_set(fix, users, notes)
    if not moves:
        refused = (
            f"only your own user {fix.caller_user_name} has policies of its own: not changed" if own_kept else None
        )
        return PlanDraft(notes=notes, refused=refused)
    choose_groups(fix, list(moves.values()), groups)
    plan = _MovePlan(notes=notes)
    for index, move in enumerate(moves.values(), 1):
        steps, undo = _group_grant_steps(fix, index, move)
        plan.grant += steps
        plan.undo_groups += undo
        plan.notes.append(_describe(move))
        for user in move.users:
            _move_user(fix, plan, index, move, user)
    plan.notes.insert(
        0,
        "Every user first joins a group with exactly the same policies; only then are the user's own policies "
        "removed, so nobody loses access at any point. Manage these users' rights through the groups from now on.",
    )
    return PlanDraft(
        (*plan.grant, *plan.remove),
        undo=(*plan.undo_users, *plan.undo_membership, *plan.undo_groups),
        notes=plan.notes,
        affected=plan.affected,
    )


@register_fix(
    "user-policies-to-groups",
    ("1.16",),
    title="Give users their policies through groups instead of directly",
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
def user_policies_to_groups_plan(fix: FixContext) -> PlanDraft:
    try:
        return _moves_plan(fix, fix.inventory.authorization_details())
    except PolicyDocumentError as error:
        return PlanDraft(refused=f"{error}; not changed")
