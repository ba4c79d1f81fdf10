"""CloudTrail trails, their buckets and log groups, as sections 2 and 3 see them, seeded in moto."""

from __future__ import annotations

from typing import Any

import boto3

from tests.support.accounts import ACCOUNT_ID, HOME
from wizard.aws.policy_documents import service_trust

# One session for the setup clients, so botocore parses each service model once, not per test.
SESSION = boto3.session.Session()


def client(service: str, region: str = HOME) -> Any:
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


def log_group_and_role(name: str = "cloudtrail-logs", region: str = HOME, role: str | None = None) -> tuple[str, str]:
    """A log group and a role CloudTrail may assume to write to it (named `role`, else NAME-role): their ARNs."""
    logs = client("logs", region)
    logs.create_log_group(logGroupName=name)
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    role_arn = client("iam").create_role(
        RoleName=role or f"{name}-role",
        AssumeRolePolicyDocument=service_trust("cloudtrail.amazonaws.com"),
    )["Role"]["Arn"]
    return arn, role_arn


def send_to_log_group(trail: str = "org-trail", region: str = HOME, log_group: str = "cloudtrail-logs") -> str:
    """Point the trail at a new log group (and a role to write there); the log group's ARN."""
    group, role = log_group_and_role(log_group, region)
    client("cloudtrail", region).update_trail(Name=trail, CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role)
    return group
