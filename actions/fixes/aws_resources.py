"""Steps several fixes share: a private S3 bucket with a service's delivery policy, a service role, a log group.

Each helper returns only what is missing: a resource that exists (or that an earlier plan of the run makes)
is reused and completed, never made twice, so a run that stopped part-way finishes on the next one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from actions.fixes.policy_merge import merged_policy, statements_of
from actions.registry import FixContext
from wizard.aws.policy_documents import as_list, load_document, service_trust, statements
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall

T = TypeVar("T")


def read_each_region(fix: FixContext, read: Callable[[str], T]) -> tuple[list[tuple[str, T]], list[str]]:
    """(region, what `read` gave) for every audited region it worked in, and "region: reason" for each it failed
    in: a regional fix plans for the regions it could read, and says which it could not."""
    read_ok: list[tuple[str, T]] = []
    unreadable: list[str] = []
    for region in fix.inventory.regions:
        try:
            read_ok.append((region, read(region)))
        except AwsReadError as error:
            unreadable.append(f"{region}: {error.reason}")
    return read_ok, unreadable


# The tag on what the fixes create (most services' form; KMS spells it TagKey/TagValue), so it can be found.
CREATED_BY_TAG = {"Key": "created-by", "Value": "cis-wizard"}


def bucket_exists(fix: FixContext, name: str) -> bool:
    listing = fix.inventory.fetch("s3", "ListBuckets", fix.home_region)
    return any(b.get("Name") == name for b in listing.get("Buckets", []))


# What the shared steps need: a private bucket made or completed (an existing one is read first), a service
# role made or completed.
PRIVATE_BUCKET_PERMISSIONS = (
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketLogging",
    "s3:CreateBucket",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketPolicy",
)
SERVICE_ROLE_PERMISSIONS = (
    "iam:GetAccountAuthorizationDetails",
    "iam:CreateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:PassRole",
)

_TAKEN = ("403", "AccessDenied", "Forbidden")
_FREE = ("404", "NoSuchBucket", "NotFound")


def bucket_name_taken(fix: FixContext, name: str) -> bool:
    """Whether another AWS account owns the bucket name (bucket names are global): HeadBucket answers 403."""
    if bucket_exists(fix, name) or fix.earlier.find("s3", "CreateBucket", Bucket=name):
        return False
    try:
        fix.inventory.fetch("s3", "HeadBucket", fix.home_region, Bucket=name)
    except AwsReadError as error:
        if error.code in _TAKEN:
            return True
        if error.code in _FREE:
            return False
        raise
    return False  # it answers to us: ours, made after the listing


def our_bucket_name(fix: FixContext, wanted: str) -> str:
    """The default name `wanted`, or, when another account owns it, a name derived from it and this account
    (the same on every run, so a later run finds the bucket again)."""
    if not bucket_name_taken(fix, wanted):
        return wanted
    suffix = hashlib.sha256(f"{fix.account_id}:{wanted}".encode()).hexdigest()[:8]
    return f"{wanted[: 63 - len(suffix) - 1].rstrip('-.')}-{suffix}"


def renamed_note(wanted: str, name: str) -> list[str]:
    return (
        [f"The bucket name {wanted} belongs to another AWS account, so {name} is used instead."]
        if name != wanted
        else []
    )


def role_exists(fix: FixContext, name: str) -> bool:
    return any(r.get("RoleName") == name for r in fix.inventory.authorization_details().roles)


def log_group_exists(fix: FixContext, name: str, region: str) -> bool:
    groups = fix.inventory.fetch("logs", "DescribeLogGroups", region, "logGroups", logGroupNamePrefix=name)
    return any(g.get("logGroupName") == name for g in groups)


def private_bucket_steps(
    fix: FixContext, step_prefix: str, bucket: str, region: str, policy: str, purpose: str
) -> list[ApiCall]:
    """`bucket`, blocked from public access, with `policy`'s statements in its policy.

    Created unless it exists or an earlier plan of this run creates it. One that is there already (ours, from
    a run that stopped part-way, or one the admin named) gets only what it lacks: the public access block,
    and our statements merged into its policy (what else the policy says is kept).
    """
    created = fix.earlier.find("s3", "CreateBucket", Bucket=bucket)
    steps: list[ApiCall] = []
    if created:
        region = created[0].call.region
        earlier_policy = fix.earlier.last("s3", "PutBucketPolicy", Bucket=bucket)
        current = json.loads(earlier_policy.call.params["Policy"]) if earlier_policy else None
        block: dict[str, bool] | None = ALL_PUBLIC_ACCESS_BLOCKED
    elif bucket_exists(fix, bucket):
        facts = fix.inventory.bucket(bucket)
        region, current, block = facts.region, facts.policy, facts.public_access_block
    else:
        create: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":  # us-east-1 refuses a location constraint; every other region needs one
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        steps.append(
            ApiCall(f"{step_prefix}-bucket", "s3", "CreateBucket", create, region, f"create the bucket for {purpose}")
        )
        current, block = None, None
    if block is None or not all(block.get(flag) for flag in ALL_PUBLIC_ACCESS_BLOCKED):
        steps.append(
            ApiCall(
                f"{step_prefix}-bucket-private",
                "s3",
                "PutPublicAccessBlock",
                {"Bucket": bucket, "PublicAccessBlockConfiguration": ALL_PUBLIC_ACCESS_BLOCKED},
                region,
                f"block every form of public access to s3://{bucket}",
            )
        )
    merged = merged_policy(current, statements_of(policy))
    if merged is not None:
        steps.append(
            ApiCall(
                f"{step_prefix}-bucket-policy",
                "s3",
                "PutBucketPolicy",
                {"Bucket": bucket, "Policy": merged},
                region,
                f"let {purpose} write to s3://{bucket}"
                + (" (added to the bucket's policy; its other statements stay)" if current else ""),
            )
        )
    return steps


ALL_PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _role(fix: FixContext, name: str) -> dict[str, Any] | None:
    return next((r for r in fix.inventory.authorization_details().roles if r.get("RoleName") == name), None)


def trusts_service(role: dict[str, Any], service: str) -> bool:
    """Whether the role's trust policy lets `service` assume it."""
    for statement in statements(role.get("AssumeRolePolicyDocument")):
        principals = as_list((statement.get("Principal") or {}).get("Service"))
        actions = as_list(statement.get("Action"))
        if statement.get("Effect") == "Allow" and service in principals and "sts:AssumeRole" in actions:
            return True
    return False


def inline_policy(role: dict[str, Any], policy_name: str) -> dict[str, Any] | None:
    for policy in role.get("RolePolicyList", []):
        if policy.get("PolicyName") == policy_name:
            return load_document(policy.get("PolicyDocument"))
    return None


def service_role_steps(
    fix: FixContext, step_prefix: str, role: str, service: str, permissions: str, purpose: str
) -> list[ApiCall]:
    """A role that `service` (e.g. cloudtrail.amazonaws.com) can assume, with one inline policy.

    A role of that name already there (a run that stopped after creating it) is completed, not made again:
    its trust policy and its permissions are put only where they differ from what this fix needs.
    """
    region = fix.home_region
    trust = service_trust(service)
    policy_name = f"{role}-permissions"
    planned = bool(fix.earlier.find("iam", "CreateRole", RoleName=role))
    existing = None if planned else _role(fix, role)
    steps: list[ApiCall] = []
    if existing is None and not planned:
        steps.append(
            ApiCall(
                f"{step_prefix}-role",
                "iam",
                "CreateRole",
                {"RoleName": role, "AssumeRolePolicyDocument": trust, "Description": f"cis-wizard: {purpose}"},
                region,
                f"create the role {service} assumes for {purpose}",
            )
        )
    elif existing is not None and not trusts_service(existing, service):
        steps.append(
            ApiCall(
                f"{step_prefix}-role-trust",
                "iam",
                "UpdateAssumeRolePolicy",
                {"RoleName": role, "PolicyDocument": trust},
                region,
                f"let {service} assume the existing role {role}",
            )
        )
    if existing is None or inline_policy(existing, policy_name) != json.loads(permissions):
        steps.append(
            ApiCall(
                f"{step_prefix}-role-policy",
                "iam",
                "PutRolePolicy",
                {"RoleName": role, "PolicyName": policy_name, "PolicyDocument": permissions},
                region,
                f"allow the role only what {purpose} needs",
            )
        )
    return steps
