"""Section 2 checks against moto: a failing and a passing setup for each control 2.1-2.9."""

from __future__ import annotations

import json

import boto3
import pytest
from moto.config.models import config_backends

from tests.auditing import audit_one, statuses
from tests.conftest import ACCOUNT_ID, HOME, OTHER
from wizard.audit.findings import Status
from wizard.aws.policy_documents import service_trust

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


# One session for the module's setup clients, so botocore parses each service model once, not per test.
SESSION = boto3.session.Session()


def client(service: str, region: str = HOME):  # type: ignore[no-untyped-def]
    return SESSION.client(service, region_name=region)


def make_bucket(name: str, region: str = HOME) -> str:
    if region == "us-east-1":
        client("s3", region).create_bucket(Bucket=name)
    else:
        client("s3", region).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def make_trail(
    name: str = "org-trail",
    region: str = HOME,
    *,
    multi_region: bool = True,
    start: bool = True,
    bucket: str | None = None,
    **options: object,
) -> str:
    """A trail homed in `region`, delivering to a new bucket there; returns its ARN."""
    bucket = bucket or make_bucket(f"{name}-logs-{region}", region)
    cloudtrail = client("cloudtrail", region)
    arn = cloudtrail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region, **options)[
        "TrailARN"
    ]
    if start:
        cloudtrail.start_logging(Name=name)
    return arn


def trail_arn(name: str, region: str = HOME) -> str:
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT_ID}:trail/{name}"


def reasons(finding) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.id: r.reason for r in finding.resources}


# -- 2.1 CloudTrail in all regions ---------------------------------------------------------------------------
def test_2_1_fails_without_any_trail(ctx) -> None:
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert finding.resources == ()
    assert "no CloudTrail trail" in finding.summary
    operations = {(e.operation, e.region) for e in finding.evidence}
    assert operations == {("cloudtrail:DescribeTrails", HOME), ("cloudtrail:DescribeTrails", OTHER)}


def test_2_1_fails_for_single_region_trail(ctx) -> None:
    arn = make_trail("local-trail", multi_region=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert finding.resources[0].region == HOME
    assert finding.resources[0].reason == "not multi-region"


def test_2_1_fails_for_multi_region_trail_that_is_not_logging(ctx) -> None:
    arn = make_trail(start=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert finding.resources[0].reason == "not logging"


def test_2_1_fails_when_logging_is_stopped(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").stop_logging(Name="org-trail")
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "not logging"}


@pytest.mark.parametrize(
    "selector",
    [
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True},
        {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True},
        {"ReadWriteType": "All", "IncludeManagementEvents": False},
    ],
    ids=["write-only", "read-only", "no-management-events"],
)
def test_2_1_fails_when_event_selectors_miss_management_events(ctx, selector: dict) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(TrailName="org-trail", EventSelectors=[selector])
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "does not capture all (read and write) management events"}


def test_2_1_passes_when_one_of_several_selectors_records_all_management_events(ctx) -> None:
    make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True},
            {"ReadWriteType": "All", "IncludeManagementEvents": True},
        ],
    )
    assert audit_one(ctx, "2.1").status is Status.PASS


def test_2_1_passes_with_advanced_selector_for_all_management_events(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        ],
    )
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert reasons(finding) == {arn: "multi-region, logging, all management events"}


def test_2_1_fails_with_advanced_selector_for_write_only_management_events(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {
                "Name": "management writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            }
        ],
    )
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}


def test_2_1_passes_with_empty_selectors_as_aws_default(ctx) -> None:
    arn = make_trail()
    assert client("cloudtrail").get_event_selectors(TrailName="org-trail")["EventSelectors"] == []
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    operations = {e.operation for e in finding.evidence}
    assert {
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    } <= operations
    describe = next(e for e in finding.evidence if e.operation == "cloudtrail:DescribeTrails")
    assert describe.cli.startswith("aws cloudtrail describe-trails")
    assert "--region" in describe.cli


def test_2_1_passes_for_compliant_trail_homed_in_other_region(ctx) -> None:
    arn = make_trail("eu-trail", region=OTHER)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert arn == trail_arn("eu-trail", OTHER)
    assert finding.resources[0].region == OTHER
    # queried in its home region, not as a shadow copy of us-east-1
    status_reads = [e for e in finding.evidence if e.operation == "cloudtrail:GetTrailStatus"]
    assert [e.region for e in status_reads] == [OTHER]


def test_2_1_finds_a_multi_region_trail_homed_outside_the_audited_regions(aws) -> None:
    from wizard.aws.context import AwsContext, AwsSettings

    arn = make_trail("eu-trail", region=OTHER)
    only_home = AwsContext(AwsSettings(region=HOME, regions=HOME))
    finding = audit_one(only_home, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    status_reads = [e for e in finding.evidence if e.operation == "cloudtrail:GetTrailStatus"]
    assert [e.region for e in status_reads] == [OTHER]


def test_each_trail_is_read_once_though_every_region_sees_it(ctx) -> None:
    make_trail("everywhere", region=HOME)
    audit_one(ctx, "2.1")
    assert ctx.counter.by_operation["cloudtrail:GetTrailStatus"] == 1
    assert ctx.counter.by_operation["cloudtrail:DescribeTrails"] == 2


def test_2_1_passes_when_one_trail_complies_and_lists_the_other(ctx) -> None:
    good = make_trail()
    bad = make_trail("local-trail", multi_region=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {good: Status.PASS, bad: Status.FAIL}


# -- 2.2 log file validation ---------------------------------------------------------------------------------
def test_2_2_names_each_trail_without_validation(ctx) -> None:
    validated = make_trail("checked", EnableLogFileValidation=True)
    plain = make_trail("unchecked", region=OTHER)
    finding = audit_one(ctx, "2.2")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {validated: Status.PASS, plain: Status.FAIL}
    assert reasons(finding)[plain] == "log file validation disabled"
    assert {r.id: r.region for r in finding.resources} == {validated: HOME, plain: OTHER}


def test_2_2_passes_when_every_trail_validates(ctx) -> None:
    first = make_trail("checked", EnableLogFileValidation=True)
    second = make_trail("also-checked", region=OTHER)
    client("cloudtrail", OTHER).update_trail(Name="also-checked", EnableLogFileValidation=True)
    finding = audit_one(ctx, "2.2")
    assert finding.status is Status.PASS
    assert statuses(finding) == {first: Status.PASS, second: Status.PASS}


def test_2_2_fails_without_trails(ctx) -> None:
    assert audit_one(ctx, "2.2").status is Status.FAIL


# -- 2.3 trail bucket not public -----------------------------------------------------------------------------
def public_policy(bucket: str, **statement: object) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    **statement,
                }
            ],
        }
    )


def test_2_3_fails_for_acl_grant_to_all_users(ctx) -> None:
    bucket = make_bucket("public-acl-logs")
    make_trail(bucket=bucket)
    client("s3").put_bucket_acl(Bucket=bucket, ACL="public-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].region == HOME
    assert finding.resources[0].reason == "ACL grants READ to AllUsers"


def test_2_3_fails_for_acl_grant_to_authenticated_users(ctx) -> None:
    bucket = make_bucket("authenticated-logs")
    make_trail(bucket=bucket)
    client("s3").put_bucket_acl(Bucket=bucket, ACL="authenticated-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert finding.resources[0].reason == "ACL grants READ to AuthenticatedUsers"


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_2_3_fails_for_bucket_policy_open_to_everyone(ctx, principal: object) -> None:
    bucket = make_bucket("public-policy-logs", OTHER)
    make_trail(bucket=bucket, region=OTHER)
    client("s3", OTHER).put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket, Principal=principal))
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].region == OTHER
    assert 'Principal "*"' in finding.resources[0].reason
    assert "s3:GetObject" in finding.resources[0].reason


def test_2_3_fails_when_condition_does_not_limit_who_may_call(ctx) -> None:
    bucket = make_bucket("tls-only-logs")
    make_trail(bucket=bucket)
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=public_policy(bucket, Condition={"Bool": {"aws:SecureTransport": "true"}}),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert 'Principal "*"' in finding.resources[0].reason


def test_2_3_passes_when_condition_pins_the_calling_account(ctx) -> None:
    bucket = make_bucket("account-only-logs")
    make_trail(bucket=bucket)
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=public_policy(bucket, Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}}),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}


def test_2_3_public_acl_and_policy_neutralised_by_bucket_public_access_block(ctx) -> None:
    bucket = make_bucket("blocked-logs")
    make_trail(bucket=bucket)
    s3 = client("s3")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    assert finding.resources[0].reason == "not public (bucket of org-trail)"


def test_2_3_ignore_public_acls_alone_leaves_a_public_policy_failing(ctx) -> None:
    bucket = make_bucket("half-blocked-logs")
    make_trail(bucket=bucket)
    s3 = client("s3")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    reason = finding.resources[0].reason
    assert "bucket policy" in reason
    assert "ACL" not in reason


def test_2_3_public_acl_neutralised_by_account_public_access_block(ctx) -> None:
    bucket = make_bucket("account-blocked-logs")
    make_trail(bucket=bucket)
    client("s3").put_bucket_acl(Bucket=bucket, ACL="public-read")
    client("s3control").put_public_access_block(
        AccountId=ACCOUNT_ID,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert "s3control:GetPublicAccessBlock" in {e.operation for e in finding.evidence}


def test_2_3_passes_for_private_bucket_with_cloudtrail_policy(ctx) -> None:
    bucket = make_bucket("private-logs")
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT_ID}/*",
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        ),
    )
    make_trail(bucket=bucket)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    operations = {e.operation for e in finding.evidence}
    assert {"s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetPublicAccessBlock"} <= operations


def test_2_3_reads_the_bucket_in_its_own_region(ctx) -> None:
    bucket = make_bucket("cross-region-logs", OTHER)
    make_trail(bucket=bucket)  # trail homed in us-east-1, bucket in eu-west-1
    client("s3", OTHER).put_bucket_acl(Bucket=bucket, ACL="public-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region) for r in finding.failing()] == [(f"arn:aws:s3:::{bucket}", OTHER)]
    acl_read = next(e for e in finding.evidence if e.operation == "s3:GetBucketAcl")
    assert acl_read.region == OTHER


def test_2_3_errors_when_the_trail_bucket_is_gone(ctx) -> None:
    bucket = make_bucket("deleted-logs")
    make_trail(bucket=bucket)
    client("s3").delete_bucket(Bucket=bucket)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.ERROR
    assert [(r.id, r.status) for r in finding.resources] == [(f"arn:aws:s3:::{bucket}", Status.ERROR)]
    assert "NoSuchBucket" in finding.resources[0].reason


def test_2_3_checks_a_bucket_shared_by_two_trails_once(ctx) -> None:
    bucket = make_bucket("shared-logs")
    make_trail("first", bucket=bucket)
    make_trail("second", bucket=bucket, multi_region=False)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert [r.id for r in finding.resources] == [f"arn:aws:s3:::{bucket}"]


def test_2_3_fails_without_trails(ctx) -> None:
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert finding.summary == "No trail delivers to an S3 bucket."


# -- 2.4 trail to CloudWatch Logs ----------------------------------------------------------------------------
def log_group_and_role(name: str = "cloudtrail-logs", region: str = HOME) -> tuple[str, str]:
    logs = client("logs", region)
    logs.create_log_group(logGroupName=name)
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    role = client("iam").create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=service_trust("cloudtrail.amazonaws.com"),
    )["Role"]["Arn"]
    return arn, role


def test_2_4_fails_for_trail_not_sent_to_cloudwatch_logs(ctx) -> None:
    arn = make_trail()
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "not sent to CloudWatch Logs"}


def test_2_4_passes_when_log_group_is_set(ctx) -> None:
    arn = make_trail()
    group, role = log_group_and_role()
    client("cloudtrail").update_trail(Name="org-trail", CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role)
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert group in finding.resources[0].reason


def test_2_4_names_only_the_trail_without_log_group(ctx) -> None:
    sent = make_trail()
    group, role = log_group_and_role()
    client("cloudtrail").update_trail(Name="org-trail", CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role)
    unsent = make_trail("eu-trail", region=OTHER)
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {sent: Status.PASS, unsent: Status.FAIL}
    assert finding.failing()[0].region == OTHER


def test_2_4_fails_for_stopped_trail_that_never_delivered(ctx) -> None:
    arn = make_trail(start=False)
    group, role = log_group_and_role()
    client("cloudtrail").update_trail(Name="org-trail", CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role)
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert "not logging" in finding.resources[0].reason


# -- 2.5 AWS Config in all regions ---------------------------------------------------------------------------
def start_recorder(region: str, *, all_supported: bool = True, global_types: bool = False, start: bool = True) -> None:
    config = client("config", region)
    group: dict = {"allSupported": all_supported, "includeGlobalResourceTypes": global_types}
    if not all_supported:
        group["resourceTypes"] = ["AWS::EC2::Instance"]
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/aws-config",
            "recordingGroup": group,
        }
    )
    bucket = make_bucket(f"config-{region}", region)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def test_2_5_fails_per_region_without_recorder(ctx) -> None:
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {
        f"config:{HOME}": Status.FAIL,
        f"config:{OTHER}": Status.FAIL,
        "config:global-resources": Status.FAIL,
    }
    assert reasons(finding)[f"config:{OTHER}"] == "no configuration recorder"
    assert {e.operation for e in finding.evidence} == {
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
    }


def test_2_5_passes_with_recorders_everywhere_and_global_types_in_one(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"config:{HOME}": Status.PASS, f"config:{OTHER}": Status.PASS}
    assert {r.id: r.region for r in finding.resources} == {f"config:{HOME}": HOME, f"config:{OTHER}": OTHER}


def test_2_5_fails_naming_the_region_without_recorder(ctx) -> None:
    start_recorder(HOME, global_types=True)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"config:{HOME}": Status.PASS, f"config:{OTHER}": Status.FAIL}
    failing = finding.failing()[0]
    assert (failing.region, failing.reason) == (OTHER, "no configuration recorder")


def test_2_5_fails_for_recorder_that_is_not_started(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER, start=False)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert reasons(finding)[f"config:{OTHER}"] == "recorder default not recording"
    assert statuses(finding)[f"config:{HOME}"] is Status.PASS


def test_2_5_fails_for_recorder_of_selected_resource_types(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER, all_supported=False)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert reasons(finding)[f"config:{OTHER}"] == "recorder does not record all supported resource types"


def test_2_5_pending_right_after_start_counts_as_recording(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    status = client("config", OTHER).describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert (status["recording"], status["lastStatus"]) == (True, "PENDING")
    assert audit_one(ctx, "2.5").status is Status.PASS


def test_2_5_fails_when_last_delivery_failed(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    status = config_backends[ACCOUNT_ID][OTHER].recorders["default"].status  # AWS reports a failed delivery
    status.last_status = "FAILURE"
    status.last_error_code = "AccessDenied"
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region, r.reason) for r in finding.failing()] == [
        (f"config:{OTHER}", OTHER, "recorder default last status FAILURE")
    ]


def test_2_5_fails_when_no_region_records_global_types(ctx) -> None:
    start_recorder(HOME)
    start_recorder(OTHER)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert [(r.id, r.reason) for r in finding.failing()] == [
        ("config:global-resources", "no region records global (IAM) resource types")
    ]


# -- 2.6 access logging on the trail bucket ------------------------------------------------------------------
def test_2_6_fails_without_access_logging(ctx) -> None:
    bucket = make_bucket("unlogged-logs")
    make_trail(bucket=bucket)
    finding = audit_one(ctx, "2.6")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].reason == "server access logging disabled (bucket of org-trail)"


def test_2_6_passes_with_access_logging(ctx) -> None:
    bucket = make_bucket("logged-logs", OTHER)
    target = make_bucket("access-logs-target", OTHER)
    s3 = client("s3", OTHER)
    s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    s3.put_bucket_logging(
        Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "cloudtrail/"}},
    )
    make_trail(bucket=bucket, region=OTHER)
    finding = audit_one(ctx, "2.6")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    assert finding.resources[0].region == OTHER
    assert finding.resources[0].reason == f"access logs to {target}"


def test_2_6_fails_without_trails(ctx) -> None:
    assert audit_one(ctx, "2.6").status is Status.FAIL


# -- 2.7 trail logs encrypted with KMS -----------------------------------------------------------------------
def test_2_7_fails_for_trail_without_kms_key(ctx) -> None:
    arn = make_trail()
    finding = audit_one(ctx, "2.7")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "logs not encrypted with a KMS key (SSE-KMS)"}


def test_2_7_passes_for_trail_with_kms_key(ctx) -> None:
    key = client("kms").create_key(Description="cloudtrail")["KeyMetadata"]["Arn"]
    arn = make_trail(KmsKeyId=key)
    finding = audit_one(ctx, "2.7")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert finding.resources[0].reason == f"encrypted with {key}"


def test_2_7_names_only_the_unencrypted_trail(ctx) -> None:
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    encrypted = make_trail("encrypted", KmsKeyId=key)
    plain = make_trail("plain", region=OTHER)
    finding = audit_one(ctx, "2.7")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {encrypted: Status.PASS, plain: Status.FAIL}


# -- 2.8 customer key rotation -------------------------------------------------------------------------------
def test_2_8_fails_for_customer_key_without_rotation(ctx) -> None:
    key = client("kms", OTHER).create_key()["KeyMetadata"]["Arn"]
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {key: Status.FAIL}
    assert finding.resources[0].region == OTHER
    assert finding.resources[0].reason == "automatic rotation disabled"
    assert key.startswith(f"arn:aws:kms:{OTHER}:{ACCOUNT_ID}:key/")


def test_2_8_passes_for_rotated_key(ctx) -> None:
    kms = client("kms", OTHER)
    key = kms.create_key()["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName="alias/cloudtrail", TargetKeyId=key["KeyId"])
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.PASS
    assert statuses(finding) == {key["Arn"]: Status.PASS}
    assert "alias/cloudtrail" in finding.resources[0].reason


def test_2_8_not_applicable_without_keys(ctx) -> None:
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.resources == ()


def test_2_8_ignores_asymmetric_and_disabled_keys(ctx) -> None:
    kms = client("kms", OTHER)
    kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.resources == ()


def test_2_8_names_only_the_unrotated_key(ctx) -> None:
    home_kms = client("kms", HOME)
    rotated = home_kms.create_key()["KeyMetadata"]
    home_kms.enable_key_rotation(KeyId=rotated["KeyId"])
    unrotated = client("kms", OTHER).create_key()["KeyMetadata"]["Arn"]
    client("kms", OTHER).create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {rotated["Arn"]: Status.PASS, unrotated: Status.FAIL}
    assert [(r.id, r.region) for r in finding.failing()] == [(unrotated, OTHER)]


# -- 2.9 VPC flow logs ---------------------------------------------------------------------------------------
def vpc_ids(region: str) -> list[str]:
    return [vpc["VpcId"] for vpc in client("ec2", region).describe_vpcs()["Vpcs"]]


def add_flow_logs(region: str, vpcs: list[str]) -> None:
    bucket = make_bucket(f"flow-logs-{region}", region)
    client("ec2", region).create_flow_logs(
        ResourceIds=vpcs,
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )


def test_2_9_fails_for_default_vpcs_without_flow_logs(ctx) -> None:
    home_vpcs, other_vpcs = vpc_ids(HOME), vpc_ids(OTHER)
    assert home_vpcs and other_vpcs
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {vpc: Status.FAIL for vpc in home_vpcs + other_vpcs}
    assert {r.region for r in finding.failing()} == {HOME, OTHER}
    assert all(r.reason == "no flow log" for r in finding.resources)


def test_2_9_names_the_vpc_left_without_flow_logs(ctx) -> None:
    add_flow_logs(HOME, vpc_ids(HOME))
    extra = client("ec2", HOME).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    add_flow_logs(OTHER, vpc_ids(OTHER))
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region) for r in finding.failing()] == [(extra, HOME)]


def test_2_9_passes_with_flow_logs_for_every_vpc(ctx) -> None:
    add_flow_logs(HOME, vpc_ids(HOME))
    add_flow_logs(OTHER, vpc_ids(OTHER))
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.PASS
    assert set(statuses(finding).values()) == {Status.PASS}
    assert {r.region for r in finding.resources} == {HOME, OTHER}
    assert {"ec2:DescribeVpcs", "ec2:DescribeFlowLogs"} <= {e.operation for e in finding.evidence}
