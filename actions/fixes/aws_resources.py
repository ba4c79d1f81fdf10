"""Steps several fixes share: a private S3 bucket with a service's delivery policy, a service role, a log group.

Each helper returns no steps when the resource already exists, so plans reuse what is there.
"""

from __future__ import annotations

from typing import Any

from actions.registry import FixContext
from wizard.plans import ApiCall
from wizard.policy_documents import service_trust


def bucket_exists(fix: FixContext, name: str) -> bool:
    listing = fix.inventory.fetch("s3", "ListBuckets", fix.home_region)
    return any(b.get("Name") == name for b in listing.get("Buckets", []))


def role_exists(fix: FixContext, name: str) -> bool:
    return any(r.get("RoleName") == name for r in fix.inventory.authorization_details().roles)


def log_group_exists(fix: FixContext, name: str, region: str) -> bool:
    groups = fix.inventory.fetch("logs", "DescribeLogGroups", region, "logGroups", logGroupNamePrefix=name)
    return any(g.get("logGroupName") == name for g in groups)


def private_bucket_steps(
    fix: FixContext, step_prefix: str, bucket: str, region: str, policy: str, purpose: str
) -> list[ApiCall]:
    """Create `bucket` (blocked from public access, with `policy`) unless it exists already."""
    if bucket_exists(fix, bucket):
        return []
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return [
        ApiCall(f"{step_prefix}-bucket", "s3", "CreateBucket", create, region, f"create the bucket for {purpose}"),
        ApiCall(
            f"{step_prefix}-bucket-private",
            "s3",
            "PutPublicAccessBlock",
            {"Bucket": bucket, "PublicAccessBlockConfiguration": ALL_PUBLIC_ACCESS_BLOCKED},
            region,
            "block every form of public access to the new bucket",
        ),
        ApiCall(
            f"{step_prefix}-bucket-policy",
            "s3",
            "PutBucketPolicy",
            {"Bucket": bucket, "Policy": policy},
            region,
            f"let only {purpose} write to the bucket",
        ),
    ]


ALL_PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def service_role_steps(
    fix: FixContext, step_prefix: str, role: str, service: str, permissions: str, purpose: str
) -> list[ApiCall]:
    """A role that `service` (e.g. cloudtrail.amazonaws.com) can assume, with one inline policy."""
    if role_exists(fix, role):
        return []
    trust = service_trust(service)
    return [
        ApiCall(
            f"{step_prefix}-role",
            "iam",
            "CreateRole",
            {"RoleName": role, "AssumeRolePolicyDocument": trust, "Description": f"cis-wizard: {purpose}"},
            fix.home_region,
            f"create the role {service} assumes for {purpose}",
        ),
        ApiCall(
            f"{step_prefix}-role-policy",
            "iam",
            "PutRolePolicy",
            {"RoleName": role, "PolicyName": f"{role}-permissions", "PolicyDocument": permissions},
            fix.home_region,
            f"allow the role only what {purpose} needs",
        ),
    ]
