"""2.1-2.4, 2.6, 2.7: a compliant multi-region trail, validated, private, sent to CloudWatch Logs, encrypted.

2.1 reuses an existing trail (making it multi-region, logging, capturing all management events) before it
creates one; the others work on the trails 2.1 leaves (see trail_target).
"""

from __future__ import annotations

import json
from typing import Any

from actions.fixes.aws_resources import (
    ALL_PUBLIC_ACCESS_BLOCKED,
    PRIVATE_BUCKET_PERMISSIONS,
    SERVICE_ROLE_PERMISSIONS,
    log_group_exists,
    our_bucket_name,
    private_bucket_steps,
    renamed_note,
    service_role_steps,
)
from actions.fixes.policy_merge import merged_policy, statements_of
from actions.fixes.trail_target import (
    TrailTarget,
    all_trails,
    cloudtrail_log_group,
    main_trail,
    wanted_trail_bucket,
)
from actions.registry import FixContext, register_fix
from wizard.aws.policy_documents import policy_json
from wizard.checks.section_2_logging import bucket_public_exposure
from wizard.collectors.regional import KmsKey
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Plan, Ref, Risk

MANAGEMENT_EVENTS_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True}
MANAGEMENT_EVENTS_ADVANCED = {
    "Name": "All management events (cis-wizard)",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}


def cloudtrail_bucket_policy(fix: FixContext, bucket: str, trail_arn: str) -> str:
    source = {"aws:SourceArn": trail_arn}
    return policy_json(
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:{fix.partition}:s3:::{bucket}",
            "Condition": {"StringEquals": source},
        },
        {
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:{fix.partition}:s3:::{bucket}/AWSLogs/{fix.account_id}/*",
            "Condition": {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    )


def _make_compliant(target: TrailTarget) -> tuple[list[ApiCall], list[ApiCall]]:
    trail = target.existing
    assert trail is not None
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    if not trail.is_multi_region:
        steps.append(
            ApiCall(
                "multi-region",
                "cloudtrail",
                "UpdateTrail",
                {"Name": trail.arn, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True},
                target.region,
                f"make trail {trail.name} record every region",
            )
        )
        undo.append(
            ApiCall(
                "single-region",
                "cloudtrail",
                "UpdateTrail",
                {"Name": trail.arn, "IsMultiRegionTrail": False},
                target.region,
                "make the trail single-region again",
            )
        )
    if not trail.captures_all_management_events():
        if trail.advanced_event_selectors:
            selectors: dict[str, Any] = {
                "AdvancedEventSelectors": [*trail.advanced_event_selectors, MANAGEMENT_EVENTS_ADVANCED]
            }
            before: dict[str, Any] = {"AdvancedEventSelectors": trail.advanced_event_selectors}
        else:
            # Added beside the existing selectors, so data events already recorded stay recorded.
            selectors = {"EventSelectors": [*trail.event_selectors, MANAGEMENT_EVENTS_SELECTOR]}
            before = {"EventSelectors": trail.event_selectors}
        steps.append(
            ApiCall(
                "management-events",
                "cloudtrail",
                "PutEventSelectors",
                {"TrailName": trail.arn, **selectors},
                target.region,
                "record all read and write management events",
            )
        )
        undo.append(
            ApiCall(
                "restore-selectors",
                "cloudtrail",
                "PutEventSelectors",
                {"TrailName": trail.arn, **before},
                target.region,
                "put the previous event selectors back",
            )
        )
    if not trail.is_logging:
        steps.append(
            ApiCall(
                "start-logging",
                "cloudtrail",
                "StartLogging",
                {"Name": trail.arn},
                target.region,
                f"start logging on {trail.name}",
            )
        )
        undo.append(
            ApiCall(
                "stop-logging", "cloudtrail", "StopLogging", {"Name": trail.arn}, target.region, "stop logging again"
            )
        )
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


def _unreadable(plan_id: str, controls: tuple[str, ...], title: str, error: AwsReadError) -> Plan:
    return Plan(plan_id, controls, title, (), refused=f"cannot read the trails to plan this fix: {error.reason}")


TRAIL_READS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")


@register_fix(
    "cloudtrail",
    ("2.1",),
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
def cloudtrail_plan(fix: FixContext) -> Plan:
    title = "A multi-region trail that logs all management events"
    try:
        target = main_trail(fix)
    except AwsReadError as error:
        return _unreadable("cloudtrail", ("2.1",), title, error)
    if target.existing is None:
        return Plan(
            "cloudtrail",
            ("2.1",),
            title,
            tuple(_create_trail(fix, target)),
            undo=(
                ApiCall(
                    "delete-trail",
                    "cloudtrail",
                    "DeleteTrail",
                    {"Name": target.name},
                    target.region,
                    "delete the new trail (its bucket and logs stay)",
                ),
            ),
            notes=(
                f"Logs go to s3://{target.bucket} in {target.region}.",
                *renamed_note(wanted_trail_bucket(fix), target.bucket),
            ),
        )
    steps, undo = _make_compliant(target)
    notes = (f"Reuses the existing trail {target.name} instead of creating another.",) if steps else ()
    return Plan("cloudtrail", ("2.1",), title, tuple(steps), undo=tuple(undo), notes=notes)


@register_fix(
    "trail-validation", ("2.2",), requires=("cloudtrail",), permissions=(*TRAIL_READS, "cloudtrail:UpdateTrail")
)
def trail_validation_plan(fix: FixContext) -> Plan:
    title = "Log file validation on every trail"
    try:
        targets = [t for t in all_trails(fix) if not t.validation_enabled]
    except AwsReadError as error:
        return _unreadable("trail-validation", ("2.2",), title, error)
    steps = [
        ApiCall(
            f"validate-{i}",
            "cloudtrail",
            "UpdateTrail",
            {"Name": t.arn, "EnableLogFileValidation": True},
            t.region,
            f"turn on log file validation for {t.name}",
        )
        for i, t in enumerate(targets)
    ]
    undo = [
        ApiCall(
            f"unvalidate-{i}",
            "cloudtrail",
            "UpdateTrail",
            {"Name": t.arn, "EnableLogFileValidation": False},
            t.region,
            f"turn validation off again for {t.name}",
        )
        for i, t in enumerate(targets)
    ]
    return Plan("trail-validation", ("2.2",), title, tuple(steps), ("cloudtrail",), tuple(undo))


@register_fix(
    "trail-bucket-private",
    ("2.3",),
    requires=("cloudtrail",),
    permissions=(*TRAIL_READS, *PRIVATE_BUCKET_PERMISSIONS, "s3:GetAccountPublicAccessBlock"),
)
def trail_bucket_private_plan(fix: FixContext) -> Plan:
    title = "No public access to the CloudTrail buckets"
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    affected: list[str] = []
    try:
        targets = [t for t in all_trails(fix) if t.existing and t.bucket]
        account_block = fix.inventory.account_public_access_block() if targets else None
        for index, bucket in enumerate(sorted({t.bucket for t in targets})):
            facts = fix.inventory.bucket(bucket)
            reasons = bucket_public_exposure(facts, account_block)
            if not reasons:
                continue
            affected.append(f"s3://{bucket}: {'; '.join(reasons)}")
            steps.append(
                ApiCall(
                    f"block-public-{index}",
                    "s3",
                    "PutPublicAccessBlock",
                    {"Bucket": bucket, "PublicAccessBlockConfiguration": ALL_PUBLIC_ACCESS_BLOCKED},
                    facts.region,
                    f"block public access to s3://{bucket} (public grants and policies stop working)",
                    Risk.DISRUPTIVE,
                )
            )
            if facts.public_access_block:
                undo.append(
                    ApiCall(
                        f"restore-block-{index}",
                        "s3",
                        "PutPublicAccessBlock",
                        {"Bucket": bucket, "PublicAccessBlockConfiguration": facts.public_access_block},
                        facts.region,
                        "put the previous public access settings back",
                    )
                )
            else:
                undo.append(
                    ApiCall(
                        f"remove-block-{index}",
                        "s3",
                        "DeletePublicAccessBlock",
                        {"Bucket": bucket},
                        facts.region,
                        "remove the bucket's public access block",
                    )
                )
    except AwsReadError as error:
        return _unreadable("trail-bucket-private", ("2.3",), title, error)
    return Plan(
        "trail-bucket-private", ("2.3",), title, tuple(steps), ("cloudtrail",), tuple(undo), affected=tuple(affected)
    )


def cloudtrail_logs_role(fix: FixContext) -> str:
    return fix.options.name("cloudtrail-to-cloudwatch")


@register_fix(
    "cloudtrail-logs",
    ("2.4",),
    requires=("cloudtrail",),
    permissions=(
        *TRAIL_READS,
        *SERVICE_ROLE_PERMISSIONS,
        "logs:DescribeLogGroups",
        "logs:CreateLogGroup",
        "cloudtrail:UpdateTrail",
    ),
)
def cloudtrail_logs_plan(fix: FixContext) -> Plan:
    title = "Send every trail to CloudWatch Logs"
    try:
        targets = [t for t in all_trails(fix) if not t.log_group_arn]
        log_group = cloudtrail_log_group(fix)
        steps: list[ApiCall] = []
        if targets:
            role = cloudtrail_logs_role(fix)
            regions = sorted({t.region for t in targets})
            resources = [fix.arn("logs", f"log-group:{log_group}:log-stream:*", r) for r in regions]
            permissions = policy_json(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": resources,
                }
            )
            steps += service_role_steps(
                fix,
                "trail-logs",
                role,
                "cloudtrail.amazonaws.com",
                permissions,
                "CloudTrail delivery to CloudWatch Logs",
            )
            for region in regions:
                if not log_group_exists(fix, log_group, region):
                    steps.append(
                        ApiCall(
                            f"log-group-{region}",
                            "logs",
                            "CreateLogGroup",
                            {"logGroupName": log_group},
                            region,
                            f"create the log group {log_group} in {region}",
                        )
                    )
            for index, target in enumerate(targets):
                steps.append(
                    ApiCall(
                        f"send-{index}",
                        "cloudtrail",
                        "UpdateTrail",
                        {
                            "Name": target.arn,
                            "CloudWatchLogsLogGroupArn": fix.arn("logs", f"log-group:{log_group}:*", target.region),
                            "CloudWatchLogsRoleArn": fix.arn("iam", f"role/{role}"),
                        },
                        target.region,
                        f"send {target.name} to CloudWatch Logs",
                    )
                )
    except AwsReadError as error:
        return _unreadable("cloudtrail-logs", ("2.4",), title, error)
    notes = ("CloudTrail delivers to the log group within minutes; 3.x alarms use this log group.",) if steps else ()
    return Plan(
        "cloudtrail-logs",
        ("2.4",),
        title,
        tuple(steps),
        ("cloudtrail",),
        notes=notes,
        extra_actions=("iam:PassRole",) if steps else (),
    )


def wanted_access_log_bucket(fix: FixContext, region: str) -> str:
    base = fix.options.access_log_bucket or fix.options.name(f"access-logs-{fix.account_id}")
    return base if region == fix.home_region or fix.options.access_log_bucket else f"{base}-{region}"


def access_log_bucket(fix: FixContext, region: str) -> str:
    wanted = wanted_access_log_bucket(fix, region)
    return wanted if fix.options.access_log_bucket else our_bucket_name(fix, wanted)


@register_fix(
    "trail-bucket-logging",
    ("2.6",),
    requires=("cloudtrail",),
    permissions=(*TRAIL_READS, *PRIVATE_BUCKET_PERMISSIONS, "s3:PutBucketLogging"),
)
def trail_bucket_logging_plan(fix: FixContext) -> Plan:
    title = "Server access logging on the CloudTrail buckets"
    steps: list[ApiCall] = []
    try:
        targets = all_trails(fix)
        for index, bucket in enumerate(sorted({t.bucket for t in targets if t.bucket})):
            existing = next((t for t in targets if t.bucket == bucket and t.existing), None)
            if existing is not None:
                facts = fix.inventory.bucket(bucket)
                if facts.logging:
                    continue
                region = facts.region
            else:
                region = main_trail(fix).region
            target_bucket = access_log_bucket(fix, region)
            if target_bucket == bucket:
                continue
            policy = policy_json(
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:{fix.partition}:s3:::{target_bucket}/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": fix.account_id}},
                }
            )
            if not any(s.params.get("Bucket") == target_bucket for s in steps):
                steps += private_bucket_steps(
                    fix, f"access-logs-{index}", target_bucket, region, policy, "S3 server access logs"
                )
            steps.append(
                ApiCall(
                    f"logging-{index}",
                    "s3",
                    "PutBucketLogging",
                    {
                        "Bucket": bucket,
                        "BucketLoggingStatus": {
                            "LoggingEnabled": {"TargetBucket": target_bucket, "TargetPrefix": f"{bucket}/"}
                        },
                    },
                    region,
                    f"log every request to s3://{bucket} into s3://{target_bucket}",
                )
            )
    except AwsReadError as error:
        return _unreadable("trail-bucket-logging", ("2.6",), title, error)
    notes = [
        note
        for region in sorted({s.region for s in steps if s.operation == "CreateBucket"})
        for note in renamed_note(wanted_access_log_bucket(fix, region), access_log_bucket(fix, region))
    ]
    return Plan("trail-bucket-logging", ("2.6",), title, tuple(steps), ("cloudtrail",), notes=tuple(notes))


def cloudtrail_key_policy(fix: FixContext) -> str:
    root = fix.arn("iam", "root")
    trails = fix.arn("cloudtrail", "trail/*", "*")
    return policy_json(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudTrailEncrypts",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails}},
        },
        {
            "Sid": "CloudTrailDescribes",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
        },
        {
            "Sid": "AccountDecryptsLogs",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": fix.account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails},
            },
        },
    )


KEY_DESCRIPTION = "cis-wizard: CloudTrail log encryption"


def _alias_name(fix: FixContext) -> str:
    return f"alias/{fix.options.name('cloudtrail')}"


def existing_trail_key(fix: FixContext, region: str) -> KmsKey | None:
    """Our CloudTrail key in `region` from an earlier run: by its alias, or (a run that stopped between
    CreateKey and CreateAlias) an enabled customer key with our description and no alias."""
    keys = fix.inventory.kms_keys(region)
    named = next((k for k in keys if _alias_name(fix) in k.aliases), None)
    if named is not None:
        return named if named.metadata.get("KeyState") == "Enabled" else None
    return next(
        (
            k
            for k in keys
            if k.metadata.get("Description") == KEY_DESCRIPTION
            and k.metadata.get("KeyManager") == "CUSTOMER"
            and k.metadata.get("KeyState") == "Enabled"
            and not k.aliases
        ),
        None,
    )


def _reused_key_steps(fix: FixContext, key: KmsKey, region: str) -> list[ApiCall]:
    """What a key of ours from an earlier run still lacks: its alias, rotation, CloudTrail in its policy."""
    steps: list[ApiCall] = []
    if _alias_name(fix) not in key.aliases:
        steps.append(
            ApiCall(
                f"alias-{region}",
                "kms",
                "CreateAlias",
                {"AliasName": _alias_name(fix), "TargetKeyId": key.arn},
                region,
                "name the key made by an earlier run",
            )
        )
    if key.rotation_enabled is False:
        steps.append(
            ApiCall(f"rotate-{region}", "kms", "EnableKeyRotation", {"KeyId": key.arn}, region, "rotate it yearly")
        )
    reply = fix.inventory.fetch("kms", "GetKeyPolicy", region, KeyId=key.arn, PolicyName="default")
    current = json.loads(reply["Policy"]) if reply.get("Policy") else None
    merged = merged_policy(current, statements_of(cloudtrail_key_policy(fix)))
    if merged is not None:
        steps.append(
            ApiCall(
                f"key-policy-{region}",
                "kms",
                "PutKeyPolicy",
                {"KeyId": key.arn, "PolicyName": "default", "Policy": merged},
                region,
                "let CloudTrail use the key (added to its policy; the other statements stay)",
            )
        )
    return steps


def _new_key_steps(fix: FixContext, region: str, key: Ref) -> list[ApiCall]:
    alias_taken = any(_alias_name(fix) in k.aliases for k in fix.inventory.kms_keys(region))
    name_key = ApiCall(
        f"alias-{region}",
        "kms",
        "UpdateAlias" if alias_taken else "CreateAlias",
        {"AliasName": _alias_name(fix), "TargetKeyId": key},
        region,
        "name the key (the alias pointed to a key that is no longer enabled)" if alias_taken else "name the key",
    )
    return [
        ApiCall(
            f"key-{region}",
            "kms",
            "CreateKey",
            {
                "Description": KEY_DESCRIPTION,
                "Policy": cloudtrail_key_policy(fix),
                "Tags": [{"TagKey": "created-by", "TagValue": "cis-wizard"}],
            },
            region,
            "create a KMS key that CloudTrail may use and the account administers",
        ),
        # Named at once, so a run that stops after this point finds the key again by its alias.
        name_key,
        ApiCall(f"rotate-{region}", "kms", "EnableKeyRotation", {"KeyId": key}, region, "rotate the key yearly (2.8)"),
    ]


@register_fix(
    "trail-kms",
    ("2.7",),
    requires=("cloudtrail",),
    permissions=(
        *TRAIL_READS,
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
        "kms:CreateKey",
        "kms:TagResource",
        "kms:PutKeyPolicy",
        "kms:CreateAlias",
        "kms:UpdateAlias",
        "kms:EnableKeyRotation",
        "cloudtrail:UpdateTrail",
    ),
)
def trail_kms_plan(fix: FixContext) -> Plan:
    title = "Encrypt trail logs with a KMS key"
    try:
        targets = [t for t in all_trails(fix) if not t.kms_key]
    except AwsReadError as error:
        return _unreadable("trail-kms", ("2.7",), title, error)
    steps: list[ApiCall] = []
    notes: list[str] = []
    for region in sorted({t.region for t in targets}):
        existing = existing_trail_key(fix, region)
        key: str | Ref
        if existing is not None:
            key = existing.arn
            steps += _reused_key_steps(fix, existing, region)
            notes.append(f"Reuses the key {existing.arn} made by an earlier run.")
        else:
            key = Ref(f"key-{region}", "KeyMetadata.Arn", f"trail_key_{region.replace('-', '_')}")
            steps += _new_key_steps(fix, region, key)
        for index, target in enumerate(t for t in targets if t.region == region):
            steps.append(
                ApiCall(
                    f"encrypt-{region}-{index}",
                    "cloudtrail",
                    "UpdateTrail",
                    {"Name": target.arn, "KmsKeyId": key},
                    region,
                    f"encrypt {target.name}'s log files with the key",
                )
            )
    if steps:
        notes.append("Anyone reading the logs now also needs kms:Decrypt on the key (granted to this account).")
    return Plan("trail-kms", ("2.7",), title, tuple(steps), ("cloudtrail",), notes=tuple(notes))
