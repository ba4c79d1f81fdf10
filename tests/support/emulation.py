"""What the tests of benchmarks.aws_emulation share: a client without retries, a clock the test moves, the
error AWS answered, and the bucket and key policies as AWS's pages give them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

from benchmarks.aws_emulation import AwsEmulation
from tests.support.accounts import ACCOUNT_ID, HOME
from wizard.aws.policy_documents import service_grant

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


def error_of(call: Callable[[], object]) -> tuple[str, int, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# -- documented policies (as the AWS pages give them) ------------------------------------------------------


def cloudtrail_bucket_policy(bucket: str, *, trail: str | None = "main", prefix: str = "", put: bool = True) -> str:
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    (trail=None: without its aws:SourceArn condition, so any trail of the account may write)."""
    source = {"aws:SourceArn": f"arn:aws:cloudtrail:{HOME}:{ACCOUNT_ID}:trail/{trail}"} if trail else None
    where = f"{prefix}/" if prefix else ""
    return delivery_bucket_policy(
        bucket,
        "cloudtrail.amazonaws.com",
        ("AWSCloudTrailAclCheck", "AWSCloudTrailWrite"),
        f"{where}AWSLogs/{ACCOUNT_ID}/*",
        source,
        put=put,
    )


def config_bucket_policy(bucket: str, *, put: bool = True) -> str:
    """https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html"""
    return delivery_bucket_policy(
        bucket,
        "config.amazonaws.com",
        ("AWSConfigBucketPermissionsCheck", "AWSConfigBucketDelivery"),
        f"AWSLogs/{ACCOUNT_ID}/Config/*",
        {"AWS:SourceAccount": ACCOUNT_ID},
        put=put,
    )


def delivery_bucket_policy(
    bucket: str, service: str, sids: tuple[str, str], objects: str, source: dict[str, str] | None, *, put: bool
) -> str:
    """The shape both documented policies share: the service may read the bucket's ACL and (put=True) write
    `objects` owned by the bucket owner; `source` (when given) conditions both on who is writing."""
    acl_check, write = sids
    condition = {"StringEquals": source} if source else None
    statements = [service_grant(acl_check, service, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", condition)]
    if put:
        owned = {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **(source or {})}}
        statements.append(service_grant(write, service, "s3:PutObject", f"arn:aws:s3:::{bucket}/{objects}", owned))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def cloudtrail_key_policy() -> str:
    """https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"""
    encryption_context = {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/*"}
    statements = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        service_grant(
            "Allow CloudTrail to encrypt logs",
            "cloudtrail.amazonaws.com",
            "kms:GenerateDataKey*",
            "*",
            {
                "StringLike": encryption_context,
                "StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:{HOME}:{ACCOUNT_ID}:trail/main"},
            },
        ),
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def trail_bucket(client: ClientFactory, name: str = "trail-logs", policy: str | None = None) -> str:
    s3 = client("s3")
    s3.create_bucket(Bucket=name)
    if policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=policy)
    return name
