"""2.1: a multi-region trail that logs all management events: the existing one made so, or a new one."""

from __future__ import annotations

from typing import Any

from actions.fixes.aws_resources import PRIVATE_BUCKET_PERMISSIONS, private_bucket_steps, renamed_note
from actions.fixes.trail_target import TRAIL_READS, TrailTarget, main_trail, wanted_trail_bucket
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.collectors.logging_reads import Trail
from wizard.plans.model import ApiCall

MANAGEMENT_EVENTS_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True}
MANAGEMENT_EVENTS_ADVANCED = {
    "Name": "All management events (cis-wizard)",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}
Change = tuple[list[ApiCall], list[ApiCall]]  # (steps, the undo that puts things back)


def cloudtrail_bucket_policy(fix: FixContext, bucket: str, trail_arn: str) -> str:
    source = {"aws:SourceArn": trail_arn}
    bucket_arn, service = f"arn:{fix.partition}:s3:::{bucket}", "cloudtrail.amazonaws.com"
    return policy_json(
        service_grant("AWSCloudTrailAclCheck", service, "s3:GetBucketAcl", bucket_arn, {"StringEquals": source}),
        service_grant(
            "AWSCloudTrailWrite",
            service,
            "s3:PutObject",
            f"{bucket_arn}/AWSLogs/{fix.account_id}/*",
            {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
    )


def _multi_region(trail: Trail, region: str) -> Change:
    if trail.is_multi_region:
        return [], []
    step = ApiCall(
        "multi-region",
        "cloudtrail",
        "UpdateTrail",
        {"Name": trail.arn, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True},
        region,
        f"make trail {trail.name} record every region",
    )
    undo = ApiCall(
        "single-region",
        "cloudtrail",
        "UpdateTrail",
        {"Name": trail.arn, "IsMultiRegionTrail": False},
        region,
        "make the trail single-region again",
    )
    return [step], [undo]


def _management_events(trail: Trail, region: str) -> Change:
    if trail.captures_all_management_events():
        return [], []
    if trail.advanced_event_selectors:
        selectors: dict[str, Any] = {
            "AdvancedEventSelectors": [*trail.advanced_event_selectors, MANAGEMENT_EVENTS_ADVANCED]
        }
        before: dict[str, Any] = {"AdvancedEventSelectors": trail.advanced_event_selectors}
    else:
        # Added beside the existing selectors, so data events already recorded stay recorded.
        selectors = {"EventSelectors": [*trail.event_selectors, MANAGEMENT_EVENTS_SELECTOR]}
        before = {"EventSelectors": trail.event_selectors}

    def put(step_id: str, chosen: dict[str, Any], purpose: str) -> ApiCall:
        return ApiCall(step_id, "cloudtrail", "PutEventSelectors", {"TrailName": trail.arn, **chosen}, region, purpose)

    return (
        [put("management-events", selectors, "record all read and write management events")],
        [put("restore-selectors", before, "put the previous event selectors back")],
    )


def _logging(trail: Trail, region: str) -> Change:
    if trail.is_logging:
        return [], []
    params = {"Name": trail.arn}
    step = ApiCall("start-logging", "cloudtrail", "StartLogging", params, region, f"start logging on {trail.name}")
    return [step], [ApiCall("stop-logging", "cloudtrail", "StopLogging", params, region, "stop logging again")]


def _make_compliant(target: TrailTarget) -> Change:
    trail = target.existing
    assert trail is not None
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    for change in (_multi_region, _management_events, _logging):
        more, back = change(trail, target.region)
        steps += more
        undo += back
    return steps, undo


def _create_trail(fix: FixContext, target: TrailTarget) -> list[ApiCall]:
    bucket_steps = private_bucket_steps(
        fix,
        "trail",
        target.bucket,
        target.region,
        cloudtrail_bucket_policy(fix, target.bucket, target.arn),
        "CloudTrail log delivery",
    )
    return [
        *bucket_steps,
        ApiCall(
            "create-trail",
            "cloudtrail",
            "CreateTrail",
            {
                "Name": target.name,
                "S3BucketName": target.bucket,
                "IsMultiRegionTrail": True,
                "IncludeGlobalServiceEvents": True,
                "EnableLogFileValidation": True,
            },
            target.region,
            "create a multi-region trail with log file validation",
        ),
        ApiCall("start-logging", "cloudtrail", "StartLogging", {"Name": target.name}, target.region, "start logging"),
    ]


@register_fix(
    "cloudtrail",
    ("2.1",),
    title="A multi-region trail that logs all management events",
    permissions=(
        *TRAIL_READS,
        *PRIVATE_BUCKET_PERMISSIONS,
        "s3:ListBucket",
        "cloudtrail:CreateTrail",
        "cloudtrail:StartLogging",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        # undo
        "cloudtrail:DeleteTrail",
        "cloudtrail:StopLogging",
    ),
)
def cloudtrail_plan(fix: FixContext) -> PlanDraft:
    target = main_trail(fix)
    if target.existing is not None:
        steps, undo = _make_compliant(target)
        reused = (f"Reuses the existing trail {target.name} instead of creating another.",) if steps else ()
        return PlanDraft(steps, undo=undo, notes=reused)
    delete = ApiCall(
        "delete-trail",
        "cloudtrail",
        "DeleteTrail",
        {"Name": target.name},
        target.region,
        "delete the new trail (its bucket and logs stay)",
    )
    notes = (
        f"Logs go to s3://{target.bucket} in {target.region}.",
        *renamed_note(wanted_trail_bucket(fix), target.bucket),
    )
    return PlanDraft(_create_trail(fix, target), undo=(delete,), notes=notes)
