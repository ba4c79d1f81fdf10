"""1.20: a role for managing AWS Support cases, trusted by this account's own principals."""

from __future__ import annotations

from actions.fixes.aws_resources import CREATED_BY_TAG
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import policy_json
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall

SUPPORT_POLICY = "AWSSupportAccess"


def _missing_policy(fix: FixContext, policy_arn: str) -> str | None:
    """Why no role can be given the AWS-managed policy, or None when it exists (or cannot be looked up)."""
    try:
        fix.inventory.fetch("iam", "GetPolicy", fix.home_region, PolicyArn=policy_arn)
    except AwsReadError as error:
        if error.code == "NoSuchEntity":  # a fake or trimmed endpoint: attaching would fail mid-plan
            return f"the AWS-managed policy {policy_arn} does not exist here, so no role can be given it"
    return None


def _create_role(fix: FixContext, role: str, account_root: str) -> ApiCall:
    trust = policy_json({"Effect": "Allow", "Principal": {"AWS": account_root}, "Action": "sts:AssumeRole"})
    return ApiCall(
        "create-role",
        "iam",
        "CreateRole",
        {
            "RoleName": role,
            "AssumeRolePolicyDocument": trust,
            "Description": "Manage AWS Support cases (CIS 1.20)",
            "Tags": [CREATED_BY_TAG],
        },
        fix.home_region,
        f"create role {role}, which this account's own principals may assume",
    )


@register_fix(
    "support-role",
    ("1.20",),
    title="Create a role for managing AWS Support cases",
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
def support_role_plan(fix: FixContext) -> PlanDraft:
    roles = fix.inventory.authorization_details().roles
    policy_arn = f"arn:{fix.partition}:iam::aws:policy/{SUPPORT_POLICY}"
    if any(p.get("PolicyArn") == policy_arn for r in roles for p in r.get("AttachedManagedPolicies", [])):
        return PlanDraft()
    missing = _missing_policy(fix, policy_arn)
    if missing:
        return PlanDraft(refused=missing)
    role, region = fix.options.name("support"), fix.home_region
    account_root = f"arn:{fix.partition}:iam::{fix.account_id}:root"
    attach = {"RoleName": role, "PolicyArn": policy_arn}
    steps: list[ApiCall] = []
    undo = [ApiCall("undo-attach", "iam", "DetachRolePolicy", attach, region, f"detach {SUPPORT_POLICY}")]
    notes = [
        f"The role trusts this account ({account_root}): only principals of this account that an IAM policy allows "
        f"sts:AssumeRole on {role} can use it. Grant that to the people who open AWS Support cases.",
    ]
    if any(r.get("RoleName") == role for r in roles):
        notes.append(f"Role {role} already exists: it is reused as it is (its trust policy is not changed).")
    else:
        steps.append(_create_role(fix, role, account_root))
        undo.append(ApiCall("undo-create", "iam", "DeleteRole", {"RoleName": role}, region, "delete the role"))
    purpose = f"let role {role} manage AWS Support cases (AWS-managed {SUPPORT_POLICY})"
    steps.append(ApiCall("attach-support-policy", "iam", "AttachRolePolicy", attach, region, purpose))
    return PlanDraft(steps, undo=undo, notes=notes)
