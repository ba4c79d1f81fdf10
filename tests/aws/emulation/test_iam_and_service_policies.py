"""Emulated IAM propagation (a new role is refused until it has propagated) and service policies (CloudTrail and
Config held to the bucket and key policies AWS documents): AWS's error code and status, then a pass once met;
and a CloudTrail set-up in the documented order passing once each condition is met."""

from __future__ import annotations

import json
import time
from typing import Any

import botocore.exceptions
import pytest

from benchmarks.aws_emulation import ServiceAccess, policy_allows
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.emulation import (
    TRUST_CLOUDTRAIL,
    ClientFactory,
    Emulate,
    FakeClock,
    cloudtrail_bucket_policy,
    cloudtrail_key_policy,
    config_bucket_policy,
    error_of,
    trail_bucket,
)

# -- 1. IAM propagation ----------------------------------------------------------------------------------


def test_a_new_role_is_refused_by_cloudtrail_until_it_has_propagated(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulate("iam_propagation", iam_propagation_seconds=8)
    bucket = trail_bucket(client)
    role = client("iam").create_role(RoleName="CloudTrail_CloudWatchLogs", AssumeRolePolicyDocument=TRUST_CLOUDTRAIL)
    arn = role["Role"]["Arn"]
    logs = client("logs")
    logs.create_log_group(logGroupName="trail")
    group = logs.describe_log_groups()["logGroups"][0]["arn"]
    cloudtrail = client("cloudtrail")

    def create() -> object:
        return cloudtrail.create_trail(
            Name="main", S3BucketName=bucket, CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=arn
        )

    assert error_of(create) == (
        "InvalidCloudWatchLogsRoleArnException",
        400,
        "Access denied. Verify in IAM that the role has adequate permissions.",
    )
    clock.advance(7.9)
    assert error_of(create)[0] == "InvalidCloudWatchLogsRoleArnException"
    cloudtrail.create_trail(Name="main", S3BucketName=bucket)  # without the role it passes meanwhile
    assert error_of(
        lambda: cloudtrail.update_trail(Name="main", CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=arn)
    )[0] == ("InvalidCloudWatchLogsRoleArnException")
    clock.advance(0.2)
    cloudtrail.update_trail(Name="main", CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=arn)
    assert cloudtrail.get_trail(Name="main")["Trail"]["CloudWatchLogsRoleArn"] == arn


def test_a_new_role_can_be_refused_at_least_once_however_late_its_first_use_comes(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulate("iam_propagation", iam_propagation_seconds=2, iam_refusals_at_least=1)
    arn = client("iam").create_role(RoleName="late", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clock.advance(60)  # a slow machine: the first use comes long after the propagation time
    config = client("config")

    def put() -> object:
        return config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": arn})

    assert error_of(put)[0] == "InvalidRoleException"
    put()  # refused once, and old enough: accepted
    put()


def test_a_new_service_linked_role_is_refused_by_config_whatever_the_case_of_its_name(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulation = emulate("iam_propagation")
    created = client("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]["Arn"]
    assert created.endswith("/AWSServiceRoleForconfig")  # moto's spelling
    aws_spelling = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    config = client("config")

    def put() -> object:
        return config.put_configuration_recorder(
            ConfigurationRecorder={"name": "default", "roleARN": aws_spelling, "recordingGroup": {"allSupported": True}}
        )

    code, status, message = error_of(put)
    assert (code, status) == ("InvalidRoleException", 400) and aws_spelling in message
    emulation.age_roles()
    put()
    assert config.describe_configuration_recorders()["ConfigurationRecorders"][0]["roleARN"] == aws_spelling


def test_role_propagation_runs_on_real_time_by_default_and_unseen_roles_are_old(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulate("iam_propagation", iam_propagation_seconds=2.0, clock=time.monotonic)
    config = client("config")
    recorder = {"name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/made-before"}
    config.put_configuration_recorder(ConfigurationRecorder=recorder)  # a role the proxy never saw created
    arn = client("iam").create_role(RoleName="config-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    started = time.monotonic()
    recorder["roleARN"] = arn
    assert error_of(lambda: config.put_configuration_recorder(ConfigurationRecorder=recorder))[0] == (
        "InvalidRoleException"
    )
    while True:  # what a caller's retry loop does
        try:
            config.put_configuration_recorder(ConfigurationRecorder=recorder)
            break
        except botocore.exceptions.ClientError as problem:
            assert problem.response["Error"]["Code"] == "InvalidRoleException"
            time.sleep(0.1)
    assert 2.0 <= time.monotonic() - started < 8


# -- 2. service policies ---------------------------------------------------------------------------------


def test_cloudtrail_refuses_a_bucket_whose_policy_does_not_let_it_write(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulate("service_policies")
    s3, cloudtrail = client("s3"), client("cloudtrail")
    bucket = trail_bucket(client)

    def create(**extra: Any) -> object:
        return cloudtrail.create_trail(Name="main", S3BucketName=bucket, **extra)

    refusal = (
        "InsufficientS3BucketPolicyException",
        400,
        f"Incorrect S3 bucket policy is detected for bucket: {bucket}",
    )
    assert error_of(create) == refusal  # no policy at all
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, put=False))
    assert error_of(create) == refusal  # GetBucketAcl only
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, trail="another-trail"))
    assert error_of(create) == refusal  # aws:SourceArn names another trail
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket))
    assert error_of(lambda: create(S3KeyPrefix="logs")) == refusal  # the policy's resource has no prefix
    create()
    assert error_of(lambda: cloudtrail.update_trail(Name="main", S3KeyPrefix="logs")) == refusal
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, prefix="logs"))
    cloudtrail.update_trail(Name="main", S3KeyPrefix="logs")
    cloudtrail.update_trail(Name="main", EnableLogFileValidation=True)  # no bucket named: not checked
    assert error_of(lambda: cloudtrail.create_trail(Name="other", S3BucketName="no-such-bucket"))[0] == (
        "S3BucketDoesNotExistException"  # moto's own answer
    )


def test_an_explicit_deny_in_the_bucket_policy_wins(emulate: Emulate, client: ClientFactory) -> None:
    emulate("service_policies")
    bucket = trail_bucket(client)
    policy = json.loads(cloudtrail_bucket_policy(bucket))
    policy["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/*"}
    )
    client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert error_of(lambda: client("cloudtrail").create_trail(Name="main", S3BucketName=bucket))[0] == (
        "InsufficientS3BucketPolicyException"
    )
    # A deny that only bites on plain HTTP does not: CloudTrail writes over TLS.
    policy["Statement"][-1]["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    client("cloudtrail").create_trail(Name="main", S3BucketName=bucket)


def test_cloudtrail_refuses_a_key_whose_policy_does_not_let_it_encrypt(emulate: Emulate, client: ClientFactory) -> None:
    emulate("service_policies")
    bucket = trail_bucket(client, policy=cloudtrail_bucket_policy("trail-logs", trail=None))
    kms, cloudtrail = client("kms"), client("cloudtrail")
    key = kms.create_key(Description="trail key")["KeyMetadata"]  # the default policy: the account only
    kms.create_alias(AliasName="alias/trail", TargetKeyId=key["KeyId"])

    code, status, message = error_of(
        lambda: cloudtrail.create_trail(Name="main", S3BucketName=bucket, KmsKeyId=key["Arn"])
    )
    assert (code, status) == ("InsufficientEncryptionPolicyException", 400)
    assert message == f"Insufficient permissions to access S3 bucket {bucket} or KMS key {key['Arn']}."
    code, _, _ = error_of(lambda: cloudtrail.create_trail(Name="main", S3BucketName=bucket, KmsKeyId="alias/nope"))
    assert code == "KmsKeyNotFoundException"

    cloudtrail.create_trail(Name="main", S3BucketName=bucket)
    assert error_of(lambda: cloudtrail.update_trail(Name="main", KmsKeyId="alias/trail"))[0] == (
        "InsufficientEncryptionPolicyException"
    )
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=cloudtrail_key_policy())
    cloudtrail.update_trail(Name="main", KmsKeyId="alias/trail")
    cloudtrail.create_trail(Name="second", S3BucketName=bucket)
    assert error_of(lambda: cloudtrail.update_trail(Name="second", KmsKeyId=key["KeyId"]))[0] == (
        "InsufficientEncryptionPolicyException"  # the key policy's aws:SourceArn names trail "main" only
    )


def test_config_refuses_a_bucket_it_may_not_write_when_it_uses_its_service_linked_role(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulate("service_policies")
    s3, config = client("s3"), client("config")
    role = client("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]["Arn"]
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    s3.create_bucket(Bucket="config-logs")

    def put(**extra: Any) -> object:
        return config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-logs", **extra})

    assert error_of(put) == (
        "InsufficientDeliveryPolicyException",
        400,
        "Insufficient delivery policy to s3 bucket: config-logs, unable to get s3 bucket acl.",
    )
    s3.put_bucket_policy(Bucket="config-logs", Policy=config_bucket_policy("config-logs", put=False))
    assert error_of(put) == (
        "InsufficientDeliveryPolicyException",
        400,
        "Insufficient delivery policy to s3 bucket: config-logs, unable to write to bucket, provided s3 key "
        "prefix is 'null', provided kms key is 'null'.",
    )
    s3.put_bucket_policy(Bucket="config-logs", Policy=config_bucket_policy("config-logs"))
    assert error_of(lambda: put(s3KeyPrefix="config"))[2].endswith(
        "provided s3 key prefix is 'config', provided kms key is 'null'."
    )
    put()
    assert config.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == "config-logs"
    assert error_of(lambda: config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "gone"}))[
        :2
    ] == ("NoSuchBucketException", 400)


def test_config_with_a_customer_role_is_not_held_to_the_bucket_policy(emulate: Emulate, client: ClientFactory) -> None:
    emulate("service_policies")
    config = client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/config-role"}
    )
    client("s3").create_bucket(Bucket="config-logs")
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-logs"})


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        ({"Principal": {"Service": ["config.amazonaws.com", "cloudtrail.amazonaws.com"]}}, True),
        ({"Principal": "*"}, True),
        ({"Principal": {"AWS": "*"}}, True),
        ({"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}, False),
        ({"NotPrincipal": {"Service": "s3.amazonaws.com"}}, False),
        ({"Action": "S3:put*"}, True),  # action names are case-insensitive
        ({"Action": ["s3:Get*", "s3:List*"]}, False),
        ({"Action": None, "NotAction": "s3:Delete*"}, True),
        ({"Resource": "arn:aws:s3:::bucket/AWSLogs/?????????????/*"}, False),  # 13 characters, the id has 12
        ({"Resource": "arn:aws:s3:::bucket/AWSLogs/????????????/*"}, True),
        ({"Resource": "arn:aws:s3:::Bucket/*"}, False),  # resources are case-sensitive
        ({"Resource": None, "NotResource": "arn:aws:s3:::other/*"}, True),
        ({"Condition": {"StringEquals": {"aws:sourceaccount": ACCOUNT_ID}}}, True),  # keys are case-insensitive
        ({"Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}}, False),
        ({"Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}}}, True),
        ({"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"}}}, True),
        ({"Condition": {"StringEquals": {"aws:SourceOrgID": "o-1"}}}, False),  # a key the request lacks
        ({"Condition": {"StringEqualsIfExists": {"aws:SourceOrgID": "o-1"}}}, True),
        ({"Condition": {"Null": {"aws:SourceOrgID": "true"}}}, True),
        ({"Condition": {"Bool": {"aws:SecureTransport": True}}}, True),
        ({"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}, False),  # not modelled: never holds
        ({"Effect": "Deny"}, False),
    ],
)
def test_policy_evaluation(statement: dict[str, Any], allowed: bool) -> None:
    base = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::bucket/*",
    }
    merged = {k: v for k, v in {**base, **statement}.items() if v is not None}
    if "NotPrincipal" in merged:
        del merged["Principal"]
    access = ServiceAccess(
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        f"arn:aws:s3:::bucket/AWSLogs/{ACCOUNT_ID}/CloudTrail/x.json.gz",
        {
            "aws:SourceAccount": ACCOUNT_ID,
            "aws:SourceArn": f"arn:aws:cloudtrail:{HOME}:{ACCOUNT_ID}:trail/main",
            "aws:SecureTransport": "true",
        },
    )
    assert policy_allows({"Statement": merged}, access) is allowed  # a lone Statement object counts too
    assert policy_allows(None, access) is False


# -- all of it at once ------------------------------------------------------------------------------------


def test_a_cloudtrail_setup_in_the_documented_order_passes_once_each_condition_is_met(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    """What a fix for CIS 2.1/2.4/2.7 meets: a bucket, its policy, a key, a role, the trail, in that order."""
    emulate(iam_propagation_seconds=8, taken_bucket_names={"cloudtrail"})
    s3, kms, iam, cloudtrail = client("s3"), client("kms"), client("iam"), client("cloudtrail")
    assert error_of(lambda: s3.create_bucket(Bucket="cloudtrail"))[0] == "BucketAlreadyExists"
    bucket = trail_bucket(client)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    role = iam.create_role(RoleName="trail-to-logs", AssumeRolePolicyDocument=TRUST_CLOUDTRAIL)["Role"]["Arn"]
    client("logs").create_log_group(logGroupName="trail")
    group = client("logs").describe_log_groups()["logGroups"][0]["arn"]
    settings = {
        "Name": "main",
        "S3BucketName": bucket,
        "IsMultiRegionTrail": True,
        "KmsKeyId": key,
        "CloudWatchLogsLogGroupArn": group,
        "CloudWatchLogsRoleArn": role,
    }
    codes = []
    for fix in (
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket)),
        lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=cloudtrail_key_policy()),
        lambda: clock.advance(8),
    ):
        codes.append(error_of(lambda: cloudtrail.create_trail(**settings))[0])
        fix()
    assert codes == [
        "InsufficientS3BucketPolicyException",
        "InsufficientEncryptionPolicyException",
        "InvalidCloudWatchLogsRoleArnException",
    ]
    assert cloudtrail.create_trail(**settings)["TrailARN"].endswith(":trail/main")
