"""Section 1, 1.5-1.11: the rules of the account password policy, each judged on its own setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.audit.findings import Finding, FindingBuilder
from wizard.checks.credential_rows import GLOBAL
from wizard.checks.registry import register
from wizard.checks.thresholds import MAX_PASSWORD_AGE_DAYS, MIN_PASSWORD_LENGTH, PASSWORD_REUSE_PREVENTION
from wizard.collectors.inventory import Inventory


def _password_rule(
    inv: Inventory,
    builder: FindingBuilder,
    requirement: str,
    satisfied: Callable[[dict[str, Any]], bool],
    shown: str,
) -> Finding:
    """A rule of the account password policy: `shown` is the setting that decides, `requirement` the CIS text."""
    policy = inv.password_policy()
    if policy is None:
        builder.failed("password-policy", GLOBAL, "the account has no password policy")
    elif satisfied(policy):
        builder.passed("password-policy", GLOBAL, f"{shown}: {policy.get(shown)!r}")
    else:
        builder.failed("password-policy", GLOBAL, f"{shown} is {policy.get(shown)!r}; CIS requires {requirement}")
    if policy is None:
        failed = "The account has no password policy."
    else:
        failed = f"The password policy falls short: {shown} is {policy.get(shown)!r}, CIS requires {requirement}."
    return builder.build(passed=f"The password policy {requirement}.", failed=failed)


def _required(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda policy: bool(policy.get(name))


def _at_least(name: str, minimum: int) -> Callable[[dict[str, Any]], bool]:
    return lambda policy: int(policy.get(name) or 0) >= minimum


@register("1.5", reads=("password_policy",))
def password_requires_uppercase(inv: Inventory, builder: FindingBuilder) -> Finding:
    flag = "RequireUppercaseCharacters"
    return _password_rule(inv, builder, "requires an uppercase letter", _required(flag), flag)


@register("1.6", reads=("password_policy",))
def password_requires_lowercase(inv: Inventory, builder: FindingBuilder) -> Finding:
    flag = "RequireLowercaseCharacters"
    return _password_rule(inv, builder, "requires a lowercase letter", _required(flag), flag)


@register("1.7", reads=("password_policy",))
def password_requires_symbol(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _password_rule(inv, builder, "requires a symbol", _required("RequireSymbols"), "RequireSymbols")


@register("1.8", reads=("password_policy",))
def password_requires_number(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _password_rule(inv, builder, "requires a number", _required("RequireNumbers"), "RequireNumbers")


@register("1.9", reads=("password_policy",))
def password_minimum_length(inv: Inventory, builder: FindingBuilder) -> Finding:
    name, minimum = "MinimumPasswordLength", MIN_PASSWORD_LENGTH
    return _password_rule(inv, builder, f"requires at least {minimum} characters", _at_least(name, minimum), name)


@register("1.10", reads=("password_policy",))
def password_reuse_prevented(inv: Inventory, builder: FindingBuilder) -> Finding:
    name, remembered = "PasswordReusePrevention", PASSWORD_REUSE_PREVENTION
    requirement = f"prevents reuse of the last {remembered} passwords"
    return _password_rule(inv, builder, requirement, _at_least(name, remembered), name)


@register("1.11", reads=("password_policy",))
def password_expires(inv: Inventory, builder: FindingBuilder) -> Finding:
    def expires(policy: dict[str, Any]) -> bool:
        return 0 < int(policy.get("MaxPasswordAge") or 0) <= MAX_PASSWORD_AGE_DAYS

    requirement = f"expires passwords within {MAX_PASSWORD_AGE_DAYS} days"
    return _password_rule(inv, builder, requirement, expires, "MaxPasswordAge")
