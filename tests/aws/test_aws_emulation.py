"""benchmarks.aws_emulation in front of a moto server: each behaviour gives the error code and status AWS gives,
and the request passes once the condition is met; plus the proxy's handler hook it is built on."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from benchmarks.aws_emulation import (
    BEHAVIOURS,
    DEFAULT_ENABLED_REGIONS,
    AwsEmulation,
    ServiceAccess,
    policy_allows,
)
from benchmarks.fault_proxy import FaultProxy, ProxyRequest, ProxyResponse, deny
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER

NO_RETRIES = Config(
    retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=20, s3={"addressing_style": "path"}
)
TRUST_CLOUDTRAIL = json.dumps(
    {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
)

ClientFactory = Callable[..., Any]
Emulate = Callable[..., AwsEmulation]


class FakeClock:
    """The emulation's clock, moved by the test: no sleeping for role propagation or report generation."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=endpoint) as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulate(proxy: FaultProxy, clock: FakeClock) -> Iterator[Emulate]:
    """emulate("iam_propagation", iam_propagation_seconds=2) installs those behaviours (all when none named)."""
    made: list[AwsEmulation] = []

    def make(*behaviours: str, **options: Any) -> AwsEmulation:
        options.setdefault("clock", clock)
        emulation = AwsEmulation(proxy, behaviours=behaviours or None, **options)
        made.append(emulation)
        return emulation

    yield make
    for emulation in made:
        emulation.remove()
    assert proxy.handler_errors == []  # no handler broke on the way


@pytest.fixture
def client(proxy: FaultProxy) -> ClientFactory:
    def make(service: str, region: str = HOME) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=proxy.url, config=NO_RETRIES)

    return make


def error_of(call: Callable[[], object]) -> tuple[str, int, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# -- documented policies (as the AWS pages give them) ------------------------------------------------------


def cloudtrail_bucket_policy(bucket: str, *, trail: str | None = "main", prefix: str = "", put: bool = True) -> str:
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    (trail=None: without its aws:SourceArn condition, so any trail of the account may write)."""
    source = {
        "StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:{HOME}:{ACCOUNT_ID}:trail/{trail}"} if trail else {}
    }
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:aws:s3:::{bucket}",
            **({"Condition": source} if trail else {}),
        }
    ]
    if put:
        where = f"{prefix}/" if prefix else ""
        statements.append(
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/{where}AWSLogs/{ACCOUNT_ID}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source["StringEquals"]}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def config_bucket_policy(bucket: str, *, put: bool = True) -> str:
    """https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html"""
    account = {"StringEquals": {"AWS:SourceAccount": ACCOUNT_ID}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AWSConfigBucketPermissionsCheck",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": account,
        }
    ]
    if put:
        statements.append(
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT_ID}/Config/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **account["StringEquals"]}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def cloudtrail_key_policy() -> str:
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Allow CloudTrail to encrypt logs",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {
                        "StringLike": {
                            "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/*"
                        },
                        "StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:{HOME}:{ACCOUNT_ID}:trail/main"},
                    },
                },
            ],
        }
    )


def trail_bucket(client: ClientFactory, name: str = "trail-logs", policy: str | None = None) -> str:
    s3 = client("s3")
    s3.create_bucket(Bucket=name)
    if policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=policy)
    return name


# -- the proxy's handler hook --------------------------------------------------------------------------


def test_a_handler_answers_rewrites_or_passes_and_handlers_nest_in_order(
    proxy: FaultProxy, client: ClientFactory
) -> None:
    seen: list[str] = []

    def outer(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        seen.append(f"outer {request.info.key} {request.form.get('Action')} {request.access_key}")
        response = forward()
        seen.append(f"outer saw {response.status}")
        return response

    def refuse(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        seen.append("refuse")
        return request.error(409, "EntityAlreadyExists", "emulated")

    def rewrite(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        response = forward()
        return response.replace(
            body=response.body.replace(b"<Account>" + ACCOUNT_ID.encode(), b"<Account>000000000000")
        )

    proxy.add_handler("iam:*", outer)
    refusing = proxy.add_handler("iam:CreateUser", refuse, name="refuser")
    proxy.add_handler(lambda info: info.key == "sts:GetCallerIdentity", rewrite)

    assert error_of(lambda: client("iam").create_user(UserName="u"))[:2] == ("EntityAlreadyExists", 409)
    assert seen == ["outer iam:CreateUser CreateUser testing", "refuse", "outer saw 409"]
    assert proxy.records[-1].handler == "refuser"  # answered without reaching moto
    assert client("sts").get_caller_identity()["Account"] == "000000000000"
    assert proxy.records[-1].handler is None  # moto answered; the handler only rewrote

    assert proxy.remove_handler(refusing) == 1
    assert client("iam").create_user(UserName="u")["User"]["UserName"] == "u"
    assert [h.name for h in proxy.handlers] == ["outer", "rewrite"]
    assert proxy.handlers[0].hits == 2


def test_rules_answer_before_handlers_and_a_broken_handler_answers_500(
    proxy: FaultProxy, client: ClientFactory
) -> None:
    def broken(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        raise RuntimeError("bug in a handler")

    proxy.add_handler("kms:*", broken)
    proxy.add_rule("kms:ListKeys", deny(times=1))
    assert error_of(client("kms").list_keys)[:2] == ("AccessDeniedException", 403)
    assert proxy.handler_errors == []  # the fault answered first
    code, status, message = error_of(client("kms").list_keys)
    assert (code, status) == ("InternalFailure", 500) and "bug in a handler" in message
    assert [(name, str(problem)) for name, problem in proxy.handler_errors] == [("broken", "bug in a handler")]


# -- behaviour switches ----------------------------------------------------------------------------------


def test_behaviours_are_switched_one_by_one(emulate: Emulate, proxy: FaultProxy, client: ClientFactory) -> None:
    emulation = emulate("opt_in_regions", "sns_pending")
    assert emulation.enabled == {"opt_in_regions", "sns_pending"}
    assert len(client("ec2").describe_regions()["Regions"]) == 17
    emulation.disable("opt_in_regions")
    assert len(client("ec2").describe_regions()["Regions"]) == 38  # moto's own answer
    emulation.enable("credential_report")
    assert [h.name for h in proxy.handlers] == ["aws_emulation.sns_pending", "aws_emulation.credential_report"]
    with pytest.raises(ValueError, match="unknown behaviour"):
        emulation.enable("eventual_consistency")
    emulation.remove()
    assert proxy.handlers == []
    assert set(BEHAVIOURS) == set(emulate().enabled)


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
    emulate("iam_propagation", iam_propagation_seconds=1.0, clock=time.monotonic)
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
    assert 1.0 <= time.monotonic() - started < 3


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


# -- 3. SNS e-mail subscriptions -------------------------------------------------------------------------


def test_email_subscriptions_stay_pending_until_the_recipient_confirms(emulate: Emulate, client: ClientFactory) -> None:
    emulation = emulate("sns_pending")
    sns = client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == (
        "pending confirmation"
    )
    assert sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bot@example.com")["SubscriptionArn"] == (
        "pending confirmation"
    )
    sms = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    assert sms.startswith(topic)  # SMS needs no confirmation

    def arns(listing: dict[str, Any]) -> dict[str, str]:
        return {s["Endpoint"]: s["SubscriptionArn"] for s in listing["Subscriptions"]}

    pending = {"ops@example.com": "PendingConfirmation", "bot@example.com": "PendingConfirmation", "+15555550100": sms}
    assert arns(sns.list_subscriptions_by_topic(TopicArn=topic)) == pending
    assert arns(sns.list_subscriptions()) == pending
    assert sorted(emulation.pending_subscriptions.values()) == ["bot@example.com", "ops@example.com"]

    assert emulation.confirm_subscriptions("ops@example.com") == 1
    confirmed = arns(sns.list_subscriptions_by_topic(TopicArn=topic))
    assert confirmed["ops@example.com"].startswith(f"{topic}:")
    assert confirmed["bot@example.com"] == "PendingConfirmation"
    # Subscribing a confirmed address again answers its ARN, as AWS does.
    assert (
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
        == (confirmed["ops@example.com"])
    )
    assert emulation.confirm_subscriptions() == 1
    assert "PendingConfirmation" not in arns(sns.list_subscriptions()).values()


def test_return_subscription_arn_shows_the_pending_subscription_as_pending(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulation = emulate("sns_pending")
    sns = client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    assert arn.startswith(f"{topic}:")
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert (attributes["PendingConfirmation"], attributes["ConfirmationWasAuthenticated"]) == ("true", "false")
    emulation.confirm_subscriptions("ops@example.com")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "false"
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions()["Subscriptions"] == []


# -- 4. the credential report ----------------------------------------------------------------------------


def test_the_credential_report_takes_time_and_is_reused_for_four_hours(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulation = emulate("credential_report", credential_report_seconds=5)
    iam = client("iam")
    assert error_of(iam.get_credential_report)[:2] == ("ReportNotPresent", 410)
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException):
        iam.get_credential_report()

    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED",
        "No report exists. Starting a new report generation task",
    )
    assert iam.generate_credential_report()["State"] == "INPROGRESS"
    assert error_of(iam.get_credential_report)[:2] == ("ReportInProgress", 404)
    with pytest.raises(iam.exceptions.CredentialReportNotReadyException):
        iam.get_credential_report()
    clock.advance(5)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    first = iam.get_credential_report()
    assert first["ReportFormat"] == "text/csv"
    assert "<root_account>" in first["Content"].decode()  # moto's report, root row seeded by the fixture

    iam.create_user(UserName="late-comer")
    clock.advance(3.9 * 3600)
    assert iam.generate_credential_report()["State"] == "COMPLETE"  # reused at once
    again = iam.get_credential_report()
    assert (again["Content"], again["GeneratedTime"]) == (first["Content"], first["GeneratedTime"])
    assert b"late-comer" not in again["Content"]

    emulation.expire_credential_report()
    assert iam.generate_credential_report()["State"] == "STARTED"
    clock.advance(5)
    fresh = iam.get_credential_report()
    assert b"late-comer" in fresh["Content"]
    assert fresh["GeneratedTime"] >= first["GeneratedTime"]


def test_concurrent_first_generations_start_one_report(emulate: Emulate, proxy: FaultProxy) -> None:
    emulate("credential_report")
    iam = boto3.client(
        "iam", region_name=HOME, endpoint_url=proxy.url, config=NO_RETRIES.merge(Config(max_pool_connections=16))
    )
    iam.get_account_summary()  # the client's connections and moto warm
    start = threading.Barrier(16)

    def generate() -> str:
        start.wait()
        return str(iam.generate_credential_report()["State"])

    with ThreadPoolExecutor(16) as pool:
        states = Counter(pool.map(lambda _: generate(), range(16)))
    assert states == Counter({"STARTED": 1, "INPROGRESS": 15})


def test_a_report_older_than_four_hours_is_generated_again(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulate("credential_report", credential_report_seconds=1)
    iam = client("iam")
    iam.generate_credential_report()
    clock.advance(4 * 3600)
    assert iam.generate_credential_report()["State"] == "STARTED"


# -- 5. S3 CreateBucket ----------------------------------------------------------------------------------


def test_create_bucket_location_rules(emulate: Emulate, client: ClientFactory) -> None:
    emulate("s3_create_bucket")
    east, west = client("s3", HOME), client("s3", OTHER)
    assert error_of(
        lambda: east.create_bucket(Bucket="bucket-1", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    ) == ("InvalidLocationConstraint", 400, "The specified location-constraint is not valid")
    code, status, message = error_of(lambda: west.create_bucket(Bucket="bucket-1"))
    assert (code, status) == ("IllegalLocationConstraintException", 400) and message.startswith("The unspecified")
    code, _, message = error_of(
        lambda: west.create_bucket(Bucket="bucket-1", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    )
    assert code == "IllegalLocationConstraintException" and message.startswith("The eu-west-2 location constraint")
    east.create_bucket(Bucket="bucket-1")
    west.create_bucket(Bucket="bucket-2", CreateBucketConfiguration={"LocationConstraint": OTHER})
    east.create_bucket(
        Bucket="bucket-3", CreateBucketConfiguration={"LocationConstraint": OTHER}
    )  # from the global endpoint


def test_bucket_names_are_global(emulate: Emulate, client: ClientFactory) -> None:
    emulate("s3_create_bucket", taken_bucket_names={"cloudtrail-logs"})
    east, west = client("s3", HOME), client("s3", OTHER)
    in_west = {"LocationConstraint": OTHER}
    for s3, config in ((east, {}), (west, {"CreateBucketConfiguration": in_west})):
        assert error_of(lambda s3=s3, config=config: s3.create_bucket(Bucket="cloudtrail-logs", **config))[:2] == (
            "BucketAlreadyExists",
            409,
        )
    assert error_of(lambda: east.head_bucket(Bucket="cloudtrail-logs"))[:2] == ("403", 403)
    assert error_of(lambda: east.get_bucket_policy(Bucket="cloudtrail-logs"))[:2] == ("AccessDenied", 403)

    east.create_bucket(Bucket="ours-east")
    east.create_bucket(Bucket="ours-east")  # us-east-1: 200 OK again, for legacy compatibility
    west.create_bucket(Bucket="ours-west", CreateBucketConfiguration=in_west)
    for bucket in ("ours-east", "ours-west"):
        assert error_of(lambda bucket=bucket: west.create_bucket(Bucket=bucket, CreateBucketConfiguration=in_west))[
            :2
        ] == ("BucketAlreadyOwnedByYou", 409)
    assert error_of(lambda: east.create_bucket(Bucket="ours-west", CreateBucketConfiguration=in_west))[:2] == (
        "BucketAlreadyOwnedByYou",
        409,
    )


# -- 6. limits -------------------------------------------------------------------------------------------


def test_five_trails_per_region(emulate: Emulate, client: ClientFactory) -> None:
    emulate("limits")
    bucket = trail_bucket(client)
    west, east = client("cloudtrail", OTHER), client("cloudtrail", HOME)
    west.create_trail(Name="everywhere", S3BucketName=bucket, IsMultiRegionTrail=True)  # counts in us-east-1 too
    for number in range(4):
        east.create_trail(Name=f"trail-{number}", S3BucketName=bucket)
    assert error_of(lambda: east.create_trail(Name="sixth", S3BucketName=bucket)) == (
        "MaximumNumberOfTrailsExceededException",
        400,
        f"User: {ACCOUNT_ID} already has 5 trails in {HOME}.",
    )
    assert error_of(lambda: east.create_trail(Name="trail-0", S3BucketName=bucket)) == (
        "TrailAlreadyExistsException",
        400,
        f"Trail trail-0 already exists for customer: {ACCOUNT_ID}",
    )
    assert (
        error_of(lambda: east.create_trail(Name="everywhere", S3BucketName=bucket))[0] == "TrailAlreadyExistsException"
    )
    client("cloudtrail", "eu-west-2").create_trail(Name="elsewhere", S3BucketName=bucket)  # 2 in eu-west-2
    east.delete_trail(Name="trail-0")
    east.create_trail(Name="sixth", S3BucketName=bucket)


def test_one_configuration_recorder_and_one_delivery_channel_per_region(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulate("limits")
    config = client("config")
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/config-role"
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})  # an update
    assert error_of(
        lambda: config.put_configuration_recorder(ConfigurationRecorder={"name": "second", "roleARN": role})
    ) == (
        "MaxNumberOfConfigurationRecordersExceededException",
        400,
        "Failed to put configuration recorder 'second' because the maximum number of configuration recorders: 1 "
        "is reached.",
    )
    client("config", OTHER).put_configuration_recorder(ConfigurationRecorder={"name": "second", "roleARN": role})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-logs"})
    assert error_of(
        lambda: config.put_delivery_channel(DeliveryChannel={"name": "second", "s3BucketName": "config-logs"})
    )[:2] == ("MaxNumberOfDeliveryChannelsExceededException", 400)


# -- 7. opt-in regions -----------------------------------------------------------------------------------


def test_describe_regions_answers_the_enabled_regions(emulate: Emulate, client: ClientFactory) -> None:
    emulate("opt_in_regions", opted_in_regions={"af-south-1"})
    ec2 = client("ec2")
    regions = {r["RegionName"]: r for r in ec2.describe_regions()["Regions"]}
    assert set(regions) == DEFAULT_ENABLED_REGIONS | {"af-south-1"}
    assert regions["us-east-1"]["OptInStatus"] == "opt-in-not-required"
    assert regions["af-south-1"]["OptInStatus"] == "opted-in"
    assert regions["eu-west-1"]["Endpoint"] == "ec2.eu-west-1.amazonaws.com"

    every = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert every["me-south-1"] == every["ap-east-1"] == every["eu-south-1"] == "not-opted-in"
    assert not [name for name in every if name.startswith(("cn-", "us-gov-"))]
    assert set(every) - set(regions) == {n for n, s in every.items() if s == "not-opted-in"}

    named = ec2.describe_regions(RegionNames=["me-south-1", "eu-west-1"])["Regions"]
    assert {r["RegionName"]: r["OptInStatus"] for r in named} == {
        "me-south-1": "not-opted-in",
        "eu-west-1": "opt-in-not-required",
    }
    filtered = ec2.describe_regions(AllRegions=True, Filters=[{"Name": "opt-in-status", "Values": ["opted-in"]}])
    assert [r["RegionName"] for r in filtered["Regions"]] == ["af-south-1"]


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
