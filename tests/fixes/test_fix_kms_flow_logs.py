"""2.8 key rotation and 2.9 VPC flow logs against moto: failing -> apply -> PASS -> nothing left."""

from __future__ import annotations

import json

import boto3

from actions.fixes.keys_and_flow_logs import kms_rotation_plan, vpc_flow_logs_plan
from actions.options import FixOptions
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one
from tests.support.fixing import assert_nothing_left, fix, fresh_context
from wizard.audit.findings import Status
from wizard.aws.context import AwsContext, AwsSettings

BUCKET = f"cis-flow-logs-{ACCOUNT_ID}"


def assert_ok(run) -> None:  # type: ignore[no-untyped-def]
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]


# -- 2.8 -------------------------------------------------------------------------------------------------------
def test_2_8_rotates_the_one_key_in_eu_west_1(ctx) -> None:
    home_kms = boto3.client("kms", region_name=HOME)
    rotating = home_kms.create_key(Description="already rotating")["KeyMetadata"]["KeyId"]
    home_kms.enable_key_rotation(KeyId=rotating)
    kms = boto3.client("kms", region_name=OTHER)
    key = kms.create_key(Description="app data")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key)
    kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")  # asymmetric keys cannot rotate: not 2.8's
    assert audit_one(ctx, "2.8").status is Status.FAIL

    run = fix(ctx, "2.8")
    assert [p.id for p in run.selection.plans] == ["kms-rotation"]
    plan = run.selection.plans[0]
    assert [(s.operation, s.region, s.params) for s in plan.steps] == [("EnableKeyRotation", OTHER, {"KeyId": key})]
    assert plan.risk.value == "safe"
    assert [(s.operation, s.params) for s in plan.undo] == [("DisableKeyRotation", {"KeyId": key})]
    assert any("alias/app" in line for line in plan.affected)
    assert_ok(run)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    assert audit_one(ctx, "2.8").status is Status.PASS
    assert_nothing_left(ctx, "2.8")
    assert kms_rotation_plan(fresh_context(ctx)).is_empty


def test_2_8_without_customer_keys_has_nothing_to_do(ctx) -> None:
    assert kms_rotation_plan(fresh_context(ctx)).is_empty


# -- 2.9 -------------------------------------------------------------------------------------------------------
def test_2_9_flow_logs_in_both_regions_to_one_new_bucket(ctx) -> None:
    extra = boto3.client("ec2", region_name=OTHER).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    assert audit_one(ctx, "2.9").status is Status.FAIL

    run = fix(ctx, "2.9")
    assert [p.id for p in run.selection.plans] == ["vpc-flow-logs"]
    plan = run.selection.plans[0]
    assert [(s.operation, s.region) for s in plan.steps] == [
        ("CreateBucket", HOME),
        ("PutPublicAccessBlock", HOME),
        ("PutBucketPolicy", HOME),
        ("CreateFlowLogs", HOME),
        ("CreateFlowLogs", OTHER),
    ]
    assert "CreateBucketConfiguration" not in plan.steps[0].params  # us-east-1 takes none
    other_call = plan.steps[-1].params
    assert extra in other_call["ResourceIds"] and len(other_call["ResourceIds"]) == 2
    assert other_call["TrafficType"] == "REJECT"
    assert other_call["LogDestination"] == f"arn:aws:s3:::{BUCKET}"
    assert "logs:CreateLogDelivery" in plan.iam_actions()
    assert plan.undo == () and any("delete-flow-logs" in note for note in plan.notes)
    assert_ok(run)

    assert audit_one(ctx, "2.9").status is Status.PASS
    s3 = boto3.client("s3", region_name=HOME)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"))
    statements = {s["Sid"]: s for s in json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]}
    write = statements["AWSLogDeliveryWrite"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceAccount": ACCOUNT_ID,
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert statements["AWSLogDeliveryAclCheck"]["Action"] == "s3:GetBucketAcl"
    assert statements["AWSLogDeliveryAclCheck"]["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    for region in (HOME, OTHER):
        flow_logs = boto3.client("ec2", region_name=region).describe_flow_logs()["FlowLogs"]
        assert {f["LogDestination"] for f in flow_logs} == {f"arn:aws:s3:::{BUCKET}"}

    assert_nothing_left(ctx, "2.9")
    assert vpc_flow_logs_plan(fresh_context(ctx)).is_empty


def test_2_9_reuses_an_existing_bucket_and_skips_vpcs_with_flow_logs(ctx) -> None:
    s3 = boto3.client("s3", region_name=HOME)
    s3.create_bucket(Bucket="acme-flow-logs-123456789012")
    home_ec2 = boto3.client("ec2", region_name=HOME)
    logged = home_ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    home_ec2.create_flow_logs(
        ResourceIds=[logged],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::acme-flow-logs-123456789012",
    )

    run = fix(ctx, "2.9", options=FixOptions(name_prefix="acme-"))
    plan = run.selection.plans[0]
    # The bucket is reused: not created again, but made private and given log delivery's statements.
    assert [(s.operation, s.region) for s in plan.steps] == [
        ("PutPublicAccessBlock", HOME),
        ("PutBucketPolicy", HOME),
        ("CreateFlowLogs", OTHER),
    ]
    assert any("reused" in note for note in plan.notes)
    assert_ok(run)
    assert audit_one(ctx, "2.9").status is Status.PASS
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["acme-flow-logs-123456789012"]
    assert vpc_flow_logs_plan(fresh_context(ctx, options=FixOptions(name_prefix="acme-"))).is_empty


def test_2_9_bucket_outside_us_east_1_gets_a_location_and_flow_logs_are_tagged(ctx) -> None:
    settings = AwsSettings(region=OTHER, regions=f"{HOME},{OTHER}")
    run_from_eu = fix(AwsContext(settings), "2.9")
    create = run_from_eu.selection.plans[0].steps[0]
    assert (create.operation, create.region) == ("CreateBucket", OTHER)
    assert create.params["CreateBucketConfiguration"] == {"LocationConstraint": OTHER}
    assert_ok(run_from_eu)
    assert audit_one(ctx, "2.9").status is Status.PASS
    tagged = boto3.client("ec2", region_name=HOME).describe_flow_logs(
        Filters=[{"Name": "tag:created-by", "Values": ["cis-wizard"]}]
    )["FlowLogs"]
    assert len(tagged) == 1
