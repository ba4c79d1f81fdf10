"""Section 2: Logging (2.1-2.9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.aws.policy_documents import as_list, statements
from wizard.checks.registry import CheckBody, each_region, named_as, register
from wizard.collectors.inventory import Inventory, unique_trails
from wizard.collectors.logging_reads import BucketFacts, Trail, delivery_age_days
from wizard.errors import AwsReadError

PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
LOG_DELIVERY_MAX_DAYS = 1.0
# Condition keys that pin who may call, or from where, so an Allow to Principal "*" is not open to
# everyone (the keys AWS itself treats as making a bucket policy non-public). A condition on anything
# else (aws:SecureTransport, aws:CurrentTime, ...) leaves the statement public.
RESTRICTING_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
        "aws:username",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
    )
)


def _trails(inv: Inventory, builder: FindingBuilder) -> list[Trail]:
    return unique_trails(trail for _, trails in each_region(inv, inv.trails, builder) for trail in trails)


def trail_is_compliant(trail: Trail) -> tuple[bool, str]:
    """CIS 2.1 (and the 3.x precondition): multi-region, logging, all management events."""
    problems = []
    if not trail.is_multi_region:
        problems.append("not multi-region")
    if not trail.is_logging:
        problems.append("not logging")
    if not trail.captures_all_management_events():
        problems.append("does not capture all (read and write) management events")
    return (not problems, ", ".join(problems) or "multi-region, logging, all management events")


TrailVerdict = Callable[[Inventory, Trail], tuple[bool, str]]
BucketVerdict = Callable[[Inventory, Trail, BucketFacts], tuple[Status, str]]


def each_trail(*, passed: str, failed: str, any_passes: bool = False) -> Callable[[TrailVerdict], CheckBody]:
    """A check of each trail on its own: the decorated verdict(inv, trail) says (passes, reason). No trail fails."""

    def decorate(verdict: TrailVerdict) -> CheckBody:
        def check(inv: Inventory, builder: FindingBuilder) -> Finding:
            for trail in _trails(inv, builder):
                ok, reason = verdict(inv, trail)
                builder.add(trail.arn, trail.home_region, Status.PASS if ok else Status.FAIL, reason)
            return builder.build(
                passed=passed,
                failed=failed,
                empty="The account has no CloudTrail trail.",
                empty_status=Status.FAIL,
                any_passes=any_passes,
            )

        return named_as(check, verdict)

    return decorate


@register("2.1", regional_reads=("trails",))
@each_trail(
    passed="A multi-region trail is logging all management events.",
    failed="No trail is multi-region, logging and capturing all management events.",
    any_passes=True,
)
def cloudtrail_all_regions(inv: Inventory, trail: Trail) -> tuple[bool, str]:
    return trail_is_compliant(trail)


@register("2.2", regional_reads=("trails",))
@each_trail(
    passed="All {total} trails validate their log files.",
    failed="{failing} of {total} trails do not validate log files.",
)
def log_file_validation(inv: Inventory, trail: Trail) -> tuple[bool, str]:
    on = bool(trail.info.get("LogFileValidationEnabled"))
    return on, "log file validation " + ("enabled" if on else "disabled")


def _trail_buckets(inv: Inventory, builder: FindingBuilder) -> Iterator[tuple[Trail, BucketFacts]]:
    seen: set[str] = set()
    for trail in _trails(inv, builder):
        if not trail.bucket or trail.bucket in seen:
            continue
        seen.add(trail.bucket)
        try:
            yield trail, inv.bucket(trail.bucket)
        except AwsReadError as error:
            builder.add(f"arn:aws:s3:::{trail.bucket}", trail.home_region, Status.ERROR, error.reason)


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_list(principal.get("AWS"))
    return False


def _condition_restricts_caller(condition: Any) -> bool:
    """True when a statement's Condition limits the caller by account, organisation, ARN or network."""
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if str(operator).endswith("IfExists") or str(operator) == "Null" or not isinstance(block, dict):
            continue  # an absent key satisfies these, so they restrict nobody
        if any(str(key).lower() in RESTRICTING_CONDITION_KEYS for key in block):
            return True
    return False


def bucket_public_exposure(bucket: BucketFacts, account_block: dict[str, bool] | None) -> list[str]:
    """Why a bucket is publicly readable or writable, after the public access blocks that neutralise it."""
    blocks = [b for b in (bucket.public_access_block, account_block) if b]
    ignore_acls = any(b.get("IgnorePublicAcls") for b in blocks)
    restrict_policy = any(b.get("RestrictPublicBuckets") for b in blocks)
    reasons = []
    if not ignore_acls:
        for grant in bucket.acl_grants:
            uri = grant.get("Grantee", {}).get("URI")
            if uri in PUBLIC_GRANTEES:
                reasons.append(f"ACL grants {grant.get('Permission')} to {uri.rsplit('/', 1)[-1]}")
    if not restrict_policy and bucket.policy:
        for statement in statements(bucket.policy):
            if (
                statement.get("Effect") == "Allow"
                and _is_public_principal(statement.get("Principal"))
                and not _condition_restricts_caller(statement.get("Condition"))
            ):
                reasons.append(f'bucket policy allows {statement.get("Action")} to everyone (Principal "*")')
    return reasons


def each_trail_bucket(*, passed: str, failed: str) -> Callable[[BucketVerdict], CheckBody]:
    """A check of each bucket a trail delivers to (once, however many trails share it): the decorated
    verdict(inv, trail, bucket) says (status, reason). No such bucket fails."""

    def decorate(verdict: BucketVerdict) -> CheckBody:
        def check(inv: Inventory, builder: FindingBuilder) -> Finding:
            for trail, bucket in _trail_buckets(inv, builder):
                status, reason = verdict(inv, trail, bucket)
                builder.add(f"arn:aws:s3:::{bucket.name}", bucket.region, status, reason)
            return builder.build(
                passed=passed, failed=failed, empty="No trail delivers to an S3 bucket.", empty_status=Status.FAIL
            )

        return named_as(check, verdict)

    return decorate


@register("2.3", reads=("account_public_access_block", "trail_buckets"), regional_reads=("trails",))
@each_trail_bucket(
    passed="No CloudTrail bucket is publicly accessible.",
    failed="{failing} CloudTrail bucket(s) are publicly accessible.",
)
def trail_bucket_not_public(inv: Inventory, trail: Trail, bucket: BucketFacts) -> tuple[Status, str]:
    try:
        account_block = inv.account_public_access_block()
    except AwsReadError:
        account_block = None  # the bucket's own settings still decide; the failed read stays in evidence
    reasons = bucket_public_exposure(bucket, account_block)
    restricted = any(b.get("RestrictPublicBuckets") for b in (bucket.public_access_block, account_block) if b)
    if bucket.policy_error and not reasons and not restricted:
        return Status.ERROR, bucket.policy_error
    if reasons:
        return Status.FAIL, "; ".join(reasons)
    return Status.PASS, f"not public (bucket of {trail.name})"


@register("2.4", regional_reads=("trails",))
@each_trail(
    passed="All {total} trails deliver to CloudWatch Logs.",
    failed="{failing} of {total} trails do not deliver to CloudWatch Logs.",
)
def trail_cloudwatch_logs(inv: Inventory, trail: Trail) -> tuple[bool, str]:
    if not trail.log_group_arn:
        return False, "not sent to CloudWatch Logs"
    if trail.status.get("LatestCloudWatchLogsDeliveryError"):
        return False, f"delivery error: {trail.status['LatestCloudWatchLogsDeliveryError']}"
    age = delivery_age_days(trail.status, inv.now)
    if age is None:
        if not trail.is_logging:
            # A stopped trail never delivers: the benchmark's recent-delivery test cannot be met.
            return False, f"sends to {trail.log_group_arn} but the trail is not logging (nothing delivered)"
        # A new integration delivers within minutes; no delivery time yet is not a failure.
        return True, f"sends to {trail.log_group_arn} (no delivery recorded yet)"
    if age > LOG_DELIVERY_MAX_DAYS:
        return False, f"last delivery to CloudWatch Logs {age:.1f} days ago"
    return True, f"sends to {trail.log_group_arn}, last delivery {age * 24:.1f} h ago"


@register("2.5", regional_reads=("config_state",))
def config_all_regions(inv: Inventory, builder: FindingBuilder) -> Finding:
    global_types_somewhere = False
    regions_seen = 0
    for region, state in each_region(inv, inv.config_state, builder):
        regions_seen += 1
        statuses = {s.get("name"): s for s in state.statuses}
        good = [r for r in state.recorders if r.get("recordingGroup", {}).get("allSupported")]
        if not state.recorders:
            builder.failed(f"config:{region}", region, "no configuration recorder")
            continue
        if not good:
            builder.failed(f"config:{region}", region, "recorder does not record all supported resource types")
            continue
        active = [
            r
            for r in good
            if statuses.get(r.get("name"), {}).get("recording")
            and statuses.get(r.get("name"), {}).get("lastStatus", "").upper() != "FAILURE"
        ]
        if not active:
            status = statuses.get(good[0].get("name"), {})
            why = "not recording" if not status.get("recording") else f"last status {status.get('lastStatus')}"
            builder.failed(f"config:{region}", region, f"recorder {good[0].get('name')} {why}")
            continue
        if any(r.get("recordingGroup", {}).get("includeGlobalResourceTypes") for r in active):
            global_types_somewhere = True
        builder.passed(f"config:{region}", region, f"recorder {active[0].get('name')} recording all resources")
    if regions_seen and not global_types_somewhere:
        builder.failed("config:global-resources", "global", "no region records global (IAM) resource types")
    return builder.build(
        passed="AWS Config records all resources in all {total} regions.",
        failed="AWS Config is missing or incomplete in {failing} place(s).",
    )


@register("2.6", reads=("trail_buckets",), regional_reads=("trails",))
@each_trail_bucket(
    passed="Access logging is on for every CloudTrail bucket.",
    failed="{failing} CloudTrail bucket(s) without access logging.",
)
def trail_bucket_access_logging(inv: Inventory, trail: Trail, bucket: BucketFacts) -> tuple[Status, str]:
    if bucket.logging:
        return Status.PASS, f"access logs to {bucket.logging.get('TargetBucket')}"
    return Status.FAIL, f"server access logging disabled (bucket of {trail.name})"


@register("2.7", regional_reads=("trails",))
@each_trail(
    passed="All {total} trails encrypt logs with KMS.",
    failed="{failing} of {total} trails do not use KMS encryption.",
)
def trail_kms_encryption(inv: Inventory, trail: Trail) -> tuple[bool, str]:
    key = trail.info.get("KmsKeyId")
    return bool(key), f"encrypted with {key}" if key else "logs not encrypted with a KMS key (SSE-KMS)"


@register("2.8", regional_reads=("kms_keys",))
def cmk_rotation(inv: Inventory, builder: FindingBuilder) -> Finding:
    for region, keys in each_region(inv, inv.kms_keys, builder):
        for key in keys:
            if key.rotation_enabled is None:
                continue
            label = f"{key.arn}" + (f" ({', '.join(key.aliases)})" if key.aliases else "")
            builder.judge(
                key.arn,
                region,
                key.rotation_enabled,
                passed=f"rotation enabled: {label}",
                failed="automatic rotation disabled",
            )
    return builder.build(
        passed="All {total} customer keys rotate yearly.",
        failed="{failing} of {total} customer keys do not rotate.",
        empty="No enabled customer-managed symmetric keys.",
    )


@register("2.9", regional_reads=("vpcs", "flow_logs"))
def vpc_flow_logs(inv: Inventory, builder: FindingBuilder) -> Finding:
    for region, vpcs in each_region(inv, inv.vpcs, builder):
        try:
            flow_logs = inv.flow_logs(region)
        except AwsReadError as error:
            builder.add(f"region:{region}", region, Status.ERROR, error.reason)
            continue
        active = {f.get("ResourceId") for f in flow_logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"}
        for vpc in vpcs:
            builder.judge(vpc["VpcId"], region, vpc["VpcId"] in active, passed="flow log active", failed="no flow log")
    return builder.build(
        passed="All {total} VPCs have flow logs.",
        failed="{failing} of {total} VPCs have no flow log.",
        empty="No VPCs in the audited regions.",
    )
