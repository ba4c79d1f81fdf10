"""2.5: AWS Config recording all resources in every audited region (global resources in the home region)."""

from __future__ import annotations

from typing import Any

from actions.fixes.aws_resources import (
    PRIVATE_BUCKET_PERMISSIONS,
    our_bucket_name,
    private_bucket_steps,
    renamed_note,
    role_exists,
)
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.plans.model import ApiCall, in_lanes

CONFIG_ROLE = "AWSServiceRoleForConfig"
_ROLE_PATH = "role/aws-service-role/config.amazonaws.com/" + CONFIG_ROLE


def _service_linked_role_exists(fix: FixContext) -> bool:
    """Recognised by its path, which AWS fixes for the service (the role name's case varies in emulators)."""
    return role_exists(fix, CONFIG_ROLE) or any(
        r.get("Path") == "/aws-service-role/config.amazonaws.com/" for r in fix.inventory.authorization_details().roles
    )


def config_bucket(fix: FixContext) -> str:
    return our_bucket_name(fix, fix.options.name(f"config-{fix.account_id}"))


def config_bucket_policy(fix: FixContext, bucket: str) -> str:
    source = {"StringEquals": {"aws:SourceAccount": fix.account_id}}
    bucket_arn, service = f"arn:{fix.partition}:s3:::{bucket}", "config.amazonaws.com"
    delivered = {"StringEquals": {"aws:SourceAccount": fix.account_id, "s3:x-amz-acl": "bucket-owner-full-control"}}
    return policy_json(
        service_grant("ConfigAclCheck", service, "s3:GetBucketAcl", bucket_arn, source),
        service_grant("ConfigListCheck", service, "s3:ListBucket", bucket_arn, source),
        service_grant(
            "ConfigDelivery", service, "s3:PutObject", f"{bucket_arn}/AWSLogs/{fix.account_id}/Config/*", delivered
        ),
    )


def _region_steps(fix: FixContext, region: str, record_global: bool, bucket: str) -> list[ApiCall]:
    state = fix.inventory.config_state(region)
    recorder: dict[str, Any] = state.recorders[0] if state.recorders else {}
    name = recorder.get("name", "default")
    status = next((s for s in state.statuses if s.get("name") == name), {})
    group = recorder.get("recordingGroup", {})
    wants_global = record_global or bool(group.get("includeGlobalResourceTypes"))
    steps: list[ApiCall] = []
    if not recorder or not group.get("allSupported") or wants_global != bool(group.get("includeGlobalResourceTypes")):
        steps.append(
            ApiCall(
                f"recorder-{region}",
                "config",
                "PutConfigurationRecorder",
                {
                    "ConfigurationRecorder": {
                        "name": name,
                        "roleARN": recorder.get("roleARN") or fix.arn("iam", _ROLE_PATH),
                        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": wants_global},
                    }
                },
                region,
                f"record all supported resources in {region}" + (" and global (IAM) ones" if wants_global else ""),
            )
        )
    channels = fix.inventory.fetch("config", "DescribeDeliveryChannels", region).get("DeliveryChannels", [])
    if not channels:
        steps.append(
            ApiCall(
                f"channel-{region}",
                "config",
                "PutDeliveryChannel",
                {"DeliveryChannel": {"name": "default", "s3BucketName": bucket}},
                region,
                f"deliver {region}'s configuration history to s3://{bucket}",
            )
        )
    if not status.get("recording") or str(status.get("lastStatus", "")).upper() == "FAILURE":
        steps.append(
            ApiCall(
                f"start-{region}",
                "config",
                "StartConfigurationRecorder",
                {"ConfigurationRecorderName": name},
                region,
                f"start recording in {region}",
            )
        )
    return steps


@register_fix(
    "aws-config",
    ("2.5",),
    title="AWS Config recording in every region",
    permissions=(
        *PRIVATE_BUCKET_PERMISSIONS,
        "iam:GetAccountAuthorizationDetails",
        "iam:CreateServiceLinkedRole",
        "iam:PassRole",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:StartConfigurationRecorder",
    ),
)
def config_plan(fix: FixContext) -> PlanDraft:
    regions = fix.inventory.regions
    records_global = any(
        r.get("recordingGroup", {}).get("includeGlobalResourceTypes")
        for region in regions
        for r in fix.inventory.config_state(region).recorders
    )
    bucket = config_bucket(fix)
    fix.inventory.fetch_all(("config", "DescribeDeliveryChannels", region, None, {}) for region in regions)
    lanes = [_region_steps(fix, region, not records_global and region == fix.home_region, bucket) for region in regions]
    first: list[ApiCall] = []
    if any(lanes) and any(s.operation == "PutDeliveryChannel" for lane in lanes for s in lane):
        first += private_bucket_steps(
            fix, "config", bucket, fix.home_region, config_bucket_policy(fix, bucket), "AWS Config delivery"
        )
    if any(lanes) and not _service_linked_role_exists(fix):
        first.append(
            ApiCall(
                "service-role",
                "iam",
                "CreateServiceLinkedRole",
                {"AWSServiceName": "config.amazonaws.com"},
                fix.home_region,
                "create AWS Config's service-linked role",
            )
        )
    # Each region's recorder, channel and start after the role and bucket, the regions at the same time.
    steps = in_lanes(first, [lane for lane in lanes if lane])
    if not steps:
        return PlanDraft()
    notes = (
        "AWS Config bills per configuration item recorded.",
        *renamed_note(fix.options.name(f"config-{fix.account_id}"), bucket),
    )
    return PlanDraft(steps, notes=notes, extra_actions=("iam:PassRole",))
