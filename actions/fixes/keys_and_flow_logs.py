"""2.8 and 2.9: yearly rotation for customer KMS keys; REJECT flow logs to one private S3 bucket for every VPC."""

from __future__ import annotations

from typing import Any

from actions.fixes.aws_resources import (
    CREATED_BY_TAG,
    PRIVATE_BUCKET_PERMISSIONS,
    bucket_exists,
    our_bucket_name,
    private_bucket_steps,
    read_each_region,
    renamed_note,
)
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.collectors.regional import KmsKey
from wizard.plans.model import ApiCall, Risk, in_lanes

FLOW_LOG_TRAFFIC = "REJECT"  # the CIS minimum; ALL logs accepted traffic too (more data, more cost)
FLOW_LOG_DELIVERY = "delivery.logs.amazonaws.com"


def _unread(what: str, unreadable: list[str]) -> list[str]:
    return [f"{what} not read, so not changed: {'; '.join(unreadable)}."] if unreadable else []


# -- 2.8 -------------------------------------------------------------------------------------------------------
def rotation_target(key: KmsKey, region: str) -> tuple[str, str]:
    """(key id or ARN, region) to enable rotation on: a multi-Region replica rotates with its primary key."""
    config = key.metadata.get("MultiRegionConfiguration") or {}
    primary = config.get("PrimaryKey") or {}
    if config.get("MultiRegionKeyType") == "REPLICA" and primary.get("Arn") and primary.get("Region"):
        return str(primary["Arn"]), str(primary["Region"])
    return key.key_id, region


@register_fix(
    "kms-rotation",
    ("2.8",),
    title="Turn on yearly rotation for customer-managed KMS keys",
    permissions=(
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:EnableKeyRotation",
        "kms:DisableKeyRotation",
    ),
)
def kms_rotation_plan(fix: FixContext) -> PlanDraft:
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    affected: list[str] = []
    seen: set[tuple[str, str]] = set()
    keys_by_region, unreadable = read_each_region(fix, fix.inventory.kms_keys)
    for region, keys in keys_by_region:
        for key in keys:
            if key.rotation_enabled is not False:  # True: done; None: not a key CIS 2.8 is about
                continue
            key_id, key_region = rotation_target(key, region)
            if (key_id, key_region) in seen:
                continue
            seen.add((key_id, key_region))
            label = key.arn + (f" ({', '.join(key.aliases)})" if key.aliases else "")
            if key_id != key.key_id:
                label += f", replica of {key_id}"
            steps.append(
                ApiCall(
                    f"rotate-{key_region}-{len(steps) + 1}",
                    "kms",
                    "EnableKeyRotation",
                    {"KeyId": key_id},
                    key_region,
                    f"rotate the key material of {label} every year",
                    Risk.SAFE,
                )
            )
            undo.append(
                ApiCall(
                    f"unrotate-{key_region}-{len(undo) + 1}",
                    "kms",
                    "DisableKeyRotation",
                    {"KeyId": key_id},
                    key_region,
                    f"stop rotating {label}",
                )
            )
            affected.append(f"{label} in {key_region}: nothing changes for its users")
    if not steps:
        refused = f"cannot read the KMS keys: {'; '.join(unreadable)}" if unreadable else None
        return PlanDraft(refused=refused)
    notes = [
        "AWS keeps every earlier key material, so data encrypted before a rotation still decrypts; key ids, "
        "ARNs, aliases and policies do not change.",
        "Each rotation adds a key version; AWS bills the first two rotations of a key like an extra key "
        "(see AWS KMS pricing).",
        *_unread("KMS keys", unreadable),
    ]
    steps = in_lanes([], [[step] for step in steps])  # one key's rotation does not wait for another's
    return PlanDraft(steps, undo=undo, notes=notes, affected=affected)


# -- 2.9 -------------------------------------------------------------------------------------------------------
def flow_log_bucket(fix: FixContext) -> str:
    return our_bucket_name(fix, fix.options.name(f"flow-logs-{fix.account_id}"))


def flow_log_bucket_policy(fix: FixContext, bucket: str) -> str:
    """Lets VPC flow log delivery (from this account only) write objects and read the bucket's ACL."""
    source = {
        "StringEquals": {"aws:SourceAccount": fix.account_id},
        "ArnLike": {"aws:SourceArn": f"arn:{fix.partition}:logs:*:{fix.account_id}:*"},
    }
    written = {**source, "StringEquals": {**source["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"}}
    bucket_arn = f"arn:{fix.partition}:s3:::{bucket}"
    return policy_json(
        service_grant(
            "AWSLogDeliveryWrite",
            FLOW_LOG_DELIVERY,
            "s3:PutObject",
            f"{bucket_arn}/AWSLogs/{fix.account_id}/*",
            written,
        ),
        service_grant("AWSLogDeliveryAclCheck", FLOW_LOG_DELIVERY, "s3:GetBucketAcl", bucket_arn, source),
    )


def vpcs_without_flow_logs(vpcs: list[dict[str, Any]], flow_logs: list[dict[str, Any]]) -> list[str]:
    """VPC ids with no ACTIVE flow log, decided as the 2.9 check decides (any traffic type counts)."""
    active = {f.get("ResourceId") for f in flow_logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"}
    return [vpc["VpcId"] for vpc in vpcs if vpc["VpcId"] not in active]


def vpcs_lacking_flow_logs(fix: FixContext) -> tuple[dict[str, list[str]], list[str]]:
    """Region -> the VPCs there with no active flow log; and the regions that could not be read."""
    lacking, unreadable = read_each_region(
        fix, lambda region: vpcs_without_flow_logs(fix.inventory.vpcs(region), fix.inventory.flow_logs(region))
    )
    return {region: vpc_ids for region, vpc_ids in lacking if vpc_ids}, unreadable


def _create_flow_logs(region: str, vpc_ids: list[str], bucket: str, destination: str) -> ApiCall:
    return ApiCall(
        f"flow-logs-{region}",
        "ec2",
        "CreateFlowLogs",
        {
            "ResourceIds": vpc_ids,
            "ResourceType": "VPC",
            "TrafficType": FLOW_LOG_TRAFFIC,
            "LogDestinationType": "s3",
            "LogDestination": destination,
            "TagSpecifications": [{"ResourceType": "vpc-flow-log", "Tags": [CREATED_BY_TAG]}],
        },
        region,
        f"log {FLOW_LOG_TRAFFIC} traffic of {', '.join(vpc_ids)} to s3://{bucket}",
        Risk.SAFE,
    )


def _flow_log_notes(
    fix: FixContext, missing: dict[str, list[str]], unreadable: list[str], bucket: str, reuse: bool
) -> list[str]:
    created = ", ".join(f"{region}: {' '.join(ids)}" for region, ids in missing.items())
    notes = [
        f"Flow logs go to s3://{bucket} in {fix.home_region}"
        + (" (the existing bucket is reused)." if reuse else " (created private, writable only by log delivery).")
        + " Logs from other regions cross regions to get there; S3 storage and flow log delivery are billed.",
        f"CIS asks for REJECT traffic at least; to log accepted traffic too, create the flow logs with "
        f"--traffic-type ALL instead. VPCs getting a flow log: {created}.",
        "No undo steps: the new flow log ids are known only after the call. To remove them, run `aws ec2 "
        "describe-flow-logs --filter Name=tag:created-by,Values=cis-wizard` in each region and `aws ec2 "
        "delete-flow-logs --flow-log-ids ...` with the ids; the bucket and its logs stay.",
        *_unread("VPCs or flow logs", unreadable),
        *renamed_note(fix.options.name(f"flow-logs-{fix.account_id}"), bucket),
    ]
    if not reuse:
        notes.append(
            f"If another AWS account owns a bucket called {bucket}, creating it fails before anything changes."
        )
    return notes


@register_fix(
    "vpc-flow-logs",
    ("2.9",),
    title=f"Flow logs ({FLOW_LOG_TRAFFIC} traffic) for every VPC, delivered to S3",
    permissions=(
        *PRIVATE_BUCKET_PERMISSIONS,
        "ec2:DescribeVpcs",
        "ec2:DescribeFlowLogs",
        "ec2:CreateFlowLogs",
        "ec2:CreateTags",
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
    ),
)
def vpc_flow_logs_plan(fix: FixContext) -> PlanDraft:
    missing, unreadable = vpcs_lacking_flow_logs(fix)
    if not missing:
        refused = f"cannot read the VPCs or flow logs: {'; '.join(unreadable)}" if unreadable else None
        return PlanDraft(refused=refused)
    bucket = flow_log_bucket(fix)
    destination = f"arn:{fix.partition}:s3:::{bucket}"  # a bucket ARN without a /prefix (see MOTO_NOTES)
    reuse = bucket_exists(fix, bucket)
    bucket_steps = private_bucket_steps(
        fix, "flow-logs", bucket, fix.home_region, flow_log_bucket_policy(fix, bucket), "VPC flow log delivery"
    )
    per_region = [_create_flow_logs(region, vpc_ids, bucket, destination) for region, vpc_ids in missing.items()]
    return PlanDraft(
        in_lanes(bucket_steps, [[step] for step in per_region]),  # every region once the bucket is ready
        notes=_flow_log_notes(fix, missing, unreadable, bucket, reuse),
        affected=[
            f"{vpc} ({region}): its rejected traffic is recorded" for region, ids in missing.items() for vpc in ids
        ],
        extra_actions=("logs:CreateLogDelivery", "logs:DeleteLogDelivery"),
    )
