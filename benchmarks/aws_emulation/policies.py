"""Resource policies evaluated as AWS would for one service principal's access (see `policy_allows`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# -- policy evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccess:
    """What a service principal asks a resource policy for: one action on one resource, in a request context.

    `context` holds the condition keys the service's request carries (aws:SourceArn, aws:SourceAccount,
    s3:x-amz-acl, ...); keys are matched case-insensitively, as IAM does."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, str]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _principal_applies(statement: Mapping[str, Any], principal: str) -> bool:
    if "NotPrincipal" in statement:
        return False  # not modelled: such a statement neither grants nor denies the service here
    who = statement.get("Principal")
    if who == "*":
        return True
    if not isinstance(who, Mapping):
        return False
    return "*" in _as_list(who.get("AWS")) or principal in _as_list(who.get("Service"))


def _matches_any(statement: Mapping[str, Any], key: str, value: str, *, ignore_case: bool) -> bool:
    """The statement's `key` (Action/Resource) covers `value`; its Not`key` form covers everything else."""
    if f"Not{key}" in statement:
        return not any(_wildcard(p, value, ignore_case=ignore_case) for p in _as_list(statement[f"Not{key}"]))
    return any(_wildcard(p, value, ignore_case=ignore_case) for p in _as_list(statement.get(key)))


_VALUE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": lambda actual, expected: _wildcard(expected, actual),
    "ArnEquals": lambda actual, expected: _wildcard(expected, actual),
    "ArnLike": lambda actual, expected: _wildcard(expected, actual),
    "Bool": lambda actual, expected: actual.lower() == expected.lower(),
}
_NEGATIONS = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """One condition: IAM's rules for a key missing from the request (false, except for IfExists and the
    negated operators), single-valued keys only (ForAnyValue:/ForAllValues: read as the plain operator)."""
    base = operator.split(":")[-1]
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = context.get(key.lower())
    expected_values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(expected)]
    if base == "Null":
        return (actual is None) == ("true" in [v.lower() for v in expected_values])
    if base in _NEGATIONS:
        return actual is None or not any(_VALUE_TESTS[_NEGATIONS[base]](actual, v) for v in expected_values)
    test = _VALUE_TESTS.get(base)
    if test is None:
        return False  # an operator not modelled never holds: conservative for Allow statements
    if actual is None:
        return if_exists
    return any(test(actual, v) for v in expected_values)


def _statement_applies(statement: Mapping[str, Any], access: ServiceAccess) -> bool:
    context = {k.lower(): v for k, v in access.context.items()}
    conditions = statement.get("Condition") or {}
    return (
        _principal_applies(statement, access.principal)
        and _matches_any(statement, "Action", access.action, ignore_case=True)
        and _matches_any(statement, "Resource", access.resource, ignore_case=False)
        and all(
            _condition_holds(operator, key, expected, context)
            for operator, block in conditions.items()
            if isinstance(block, Mapping)
            for key, expected in block.items()
        )
    )


def policy_allows(policy: Mapping[str, Any] | None, access: ServiceAccess) -> bool:
    """Whether a resource policy lets `access` through: some Allow statement applies and no Deny does.

    A statement applies when its Principal is "*", {"AWS": "*"} or names the service ({"Service": ..},
    string or list); its Action (or NotAction) covers the action, case-insensitively, with IAM wildcards; its
    Resource (or NotResource) covers the resource ARN; and every condition holds for `access.context` with
    the String*, Arn*, Bool and Null operators (IfExists too). Anything else (NotPrincipal, other operators,
    multi-valued keys) is not modelled and makes the statement not apply."""
    statements = [s for s in _as_list((policy or {}).get("Statement")) if isinstance(s, Mapping)]
    applying = [s for s in statements if _statement_applies(s, access)]
    if any(s.get("Effect") == "Deny" for s in applying):
        return False
    return any(s.get("Effect") == "Allow" for s in applying)


def read_policy(text: str | None) -> dict[str, Any] | None:
    try:
        policy = json.loads(text) if text else None
    except ValueError:
        return None
    return policy if isinstance(policy, dict) else None
