"""1.5-1.11: one merged update-account-password-policy.

The API replaces the whole policy, so the plan starts from the current one: every value already stricter
than CIS (or than the admin asked for) stays, and unrelated settings are carried over.
"""

from __future__ import annotations

from typing import Any

from actions.registry import FixContext, PlanDraft, register_fix
from wizard.plans.model import ApiCall, Risk

PASSWORD_CONTROLS = ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11")
REQUIRED_FLAGS = ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireSymbols", "RequireNumbers")
CARRIED_OVER = ("AllowUsersToChangePassword", "HardExpiry")
POLICY_PARAMETERS = (
    *REQUIRED_FLAGS,
    "MinimumPasswordLength",
    "PasswordReusePrevention",
    "MaxPasswordAge",
    *CARRIED_OVER,
)


def current_parameters(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters of update-account-password-policy that reproduce `policy` as it is."""
    if policy is None:
        return {}
    params = {k: policy[k] for k in POLICY_PARAMETERS if k in policy and policy[k] is not None}
    if not policy.get("ExpirePasswords", "MaxPasswordAge" in params):
        params.pop("MaxPasswordAge", None)
    if params.get("MaxPasswordAge") == 0:
        params.pop("MaxPasswordAge")
    return params


def merged_policy(current: dict[str, Any], min_length: int, reuse: int, max_age: int) -> dict[str, Any]:
    merged = dict(current)
    for flag in REQUIRED_FLAGS:
        merged[flag] = True
    merged["MinimumPasswordLength"] = max(int(current.get("MinimumPasswordLength", 0)), min_length)
    merged["PasswordReusePrevention"] = max(int(current.get("PasswordReusePrevention", 0)), reuse)
    existing_age = int(current.get("MaxPasswordAge", 0) or 0)
    merged["MaxPasswordAge"] = min(existing_age, max_age) if existing_age > 0 else max_age
    merged.setdefault("AllowUsersToChangePassword", True)  # users can rotate their own password
    return {k: merged[k] for k in POLICY_PARAMETERS if k in merged}


@register_fix(
    "password-policy",
    PASSWORD_CONTROLS,
    title="Set a password policy that meets CIS 1.5-1.11",
    permissions=("iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"),
)
def password_policy_plan(fix: FixContext) -> PlanDraft:
    policy = fix.inventory.password_policy()
    current = current_parameters(policy)
    options = fix.options
    merged = merged_policy(current, options.min_password_length, options.password_reuse, options.max_password_age)
    if policy is not None and merged == current:
        return PlanDraft()
    kept = [
        f"{k}={current[k]}"
        for k in ("MinimumPasswordLength", "PasswordReusePrevention", "MaxPasswordAge")
        if k in current and current[k] == merged[k]
    ]
    update = ApiCall(
        "update-password-policy",
        "iam",
        "UpdateAccountPasswordPolicy",
        merged,
        fix.home_region,
        "replace the account password policy with one that keeps every stricter setting and meets CIS",
        Risk.SAFE,
    )
    if policy is None:
        undo = ApiCall(
            "restore", "iam", "DeleteAccountPasswordPolicy", {}, fix.home_region, "go back to having no password policy"
        )
    else:
        undo = ApiCall(
            "restore",
            "iam",
            "UpdateAccountPasswordPolicy",
            current,
            fix.home_region,
            "put the previous password policy back",
        )
    notes = ["Existing users keep their passwords until they next change them (or until they expire)."]
    if kept:
        notes.append("Kept stricter existing values: " + ", ".join(kept) + ".")
    return PlanDraft((update,), undo=(undo,), notes=notes)
