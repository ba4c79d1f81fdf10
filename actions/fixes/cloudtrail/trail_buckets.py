"""2.3 and 2.6: the trails' buckets closed to the public, and their requests logged to another bucket."""

from __future__ import annotations

from actions.fixes.aws_resources import (
    ALL_PUBLIC_ACCESS_BLOCKED,
    PRIVATE_BUCKET_PERMISSIONS,
    our_bucket_name,
    private_bucket_steps,
    renamed_note,
)
from actions.fixes.trail_target import TrailTarget, all_trails, main_trail, register_trail_fix
from actions.registry import FixContext, PlanDraft
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.checks.section_2_logging import bucket_public_exposure
from wizard.collectors.logging_reads import BucketFacts
from wizard.plans.model import ApiCall, Risk


# -- 2.3 ---------------------------------------------------------------------------------------------------
def _block_public_access(index: int, bucket: str, facts: BucketFacts) -> tuple[ApiCall, ApiCall]:
    """The step that blocks every kind of public access to `bucket`, and the undo that puts its settings back."""
    block = ApiCall(
        f"block-public-{index}",
        "s3",
        "PutPublicAccessBlock",
        {"Bucket": bucket, "PublicAccessBlockConfiguration": ALL_PUBLIC_ACCESS_BLOCKED},
        facts.region,
        f"block public access to s3://{bucket} (public grants and policies stop working)",
        Risk.DISRUPTIVE,
    )
    if facts.public_access_block:
        restore = ApiCall(
            f"restore-block-{index}",
            "s3",
            "PutPublicAccessBlock",
            {"Bucket": bucket, "PublicAccessBlockConfiguration": facts.public_access_block},
            facts.region,
            "put the previous public access settings back",
        )
    else:
        restore = ApiCall(
            f"remove-block-{index}",
            "s3",
            "DeletePublicAccessBlock",
            {"Bucket": bucket},
            facts.region,
            "remove the bucket's public access block",
        )
    return block, restore


@register_trail_fix(
    "trail-bucket-private",
    ("2.3",),
    title="No public access to the CloudTrail buckets",
    permissions=(*PRIVATE_BUCKET_PERMISSIONS, "s3:GetAccountPublicAccessBlock"),
)
def trail_bucket_private_plan(fix: FixContext) -> PlanDraft:
    targets = [t for t in all_trails(fix) if t.existing and t.bucket]
    account_block = fix.inventory.account_public_access_block() if targets else None
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    affected: list[str] = []
    for index, bucket in enumerate(sorted({t.bucket for t in targets})):
        facts = fix.inventory.bucket(bucket)
        reasons = bucket_public_exposure(facts, account_block)
        if reasons:
            affected.append(f"s3://{bucket}: {'; '.join(reasons)}")
            block, restore = _block_public_access(index, bucket, facts)
            steps.append(block)
            undo.append(restore)
    return PlanDraft(steps, undo=undo, affected=affected)


# -- 2.6 ---------------------------------------------------------------------------------------------------
def wanted_access_log_bucket(fix: FixContext, region: str) -> str:
    base = fix.options.access_log_bucket or fix.options.name(f"access-logs-{fix.account_id}")
    return base if region == fix.home_region or fix.options.access_log_bucket else f"{base}-{region}"


def access_log_bucket(fix: FixContext, region: str) -> str:
    wanted = wanted_access_log_bucket(fix, region)
    return wanted if fix.options.access_log_bucket else our_bucket_name(fix, wanted)


def access_log_bucket_policy(fix: FixContext, target_bucket: str) -> str:
    return policy_json(
        service_grant(
            "S3ServerAccessLogsPolicy",
            "logging.s3.amazonaws.com",
            "s3:PutObject",
            f"arn:{fix.partition}:s3:::{target_bucket}/*",
            {"StringEquals": {"aws:SourceAccount": fix.account_id}},
        )
    )


def _unlogged_bucket_region(fix: FixContext, bucket: str, targets: list[TrailTarget]) -> str | None:
    """The region of a trail bucket without access logging; None when it logs already."""
    if not any(t.bucket == bucket and t.existing for t in targets):
        return main_trail(fix).region  # the bucket 2.1 creates
    facts = fix.inventory.bucket(bucket)
    return None if facts.logging else facts.region


@register_trail_fix(
    "trail-bucket-logging",
    ("2.6",),
    title="Server access logging on the CloudTrail buckets",
    permissions=(*PRIVATE_BUCKET_PERMISSIONS, "s3:PutBucketLogging"),
)
def trail_bucket_logging_plan(fix: FixContext) -> PlanDraft:
    steps: list[ApiCall] = []
    targets = all_trails(fix)
    for index, bucket in enumerate(sorted({t.bucket for t in targets if t.bucket})):
        region = _unlogged_bucket_region(fix, bucket, targets)
        if region is None:
            continue
        target_bucket = access_log_bucket(fix, region)
        if target_bucket == bucket:  # the access log bucket itself: it does not log into itself
            continue
        if not any(s.params.get("Bucket") == target_bucket for s in steps):
            policy = access_log_bucket_policy(fix, target_bucket)
            steps += private_bucket_steps(
                fix, f"access-logs-{index}", target_bucket, region, policy, "S3 server access logs"
            )
        logging = {"LoggingEnabled": {"TargetBucket": target_bucket, "TargetPrefix": f"{bucket}/"}}
        steps.append(
            ApiCall(
                f"logging-{index}",
                "s3",
                "PutBucketLogging",
                {"Bucket": bucket, "BucketLoggingStatus": logging},
                region,
                f"log every request to s3://{bucket} into s3://{target_bucket}",
            )
        )
    notes = [
        note
        for region in sorted({s.region for s in steps if s.operation == "CreateBucket"})
        for note in renamed_note(wanted_access_log_bucket(fix, region), access_log_bucket(fix, region))
    ]
    return PlanDraft(steps, notes=notes)
