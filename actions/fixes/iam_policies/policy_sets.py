"""1.16's groups: the exact set of policies a user has, and the group that carries each set.

A group is named after the policies and a digest of the exact set, so a run that stopped part-way finds the
group it began; a group of that name with other policies is never changed (the name gets a suffix instead).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from actions.registry import FixContext
from wizard.aws.policy_documents import PolicyDocumentError, load_document

IAM_NAME_MAX = 128
SLUG_NAMES_MAX = 60  # how much of the policy names a group name shows before its digest
_NOT_IAM_NAME = re.compile(r"[^A-Za-z0-9+=,.@_-]+")

PolicySet = tuple[tuple[str, ...], tuple[str, ...]]  # (managed policy ARNs, canonical inline documents), sorted


def canonical_document(document: Any) -> str:
    """A policy document as compact JSON with sorted keys, so equal documents compare equal."""
    return json.dumps(load_document(document), sort_keys=True, separators=(",", ":"))


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
class Move:
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

    @property
    def policies(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(managed, inline) policies of the set, as its first user has them (every user has the same)."""
        first = self.users[0]
        return first.get("AttachedManagedPolicies", []), first.get("UserPolicyList", [])


def _is_part_of(granted: PolicySet, wanted: PolicySet) -> bool:
    return set(granted[0]) <= set(wanted[0]) and set(granted[1]) <= set(wanted[1])


def choose_groups(fix: FixContext, moves: list[Move], groups: list[dict[str, Any]]) -> None:
    """Give each move its group: one with exactly its policies, one of ours a stopped run began, or a new one."""
    taken = {g["GroupName"].lower() for g in groups}
    for move in moves:
        managed, inline = move.policies
        names = [p["PolicyName"] for p in managed] + [p["PolicyName"] for p in inline]
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
