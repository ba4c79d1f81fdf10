"""What a finding's resource is, in AWS's terms: a Security Hub resource type and an ARN (or the account), from
the ids the checks name (`alice`, `sg-0a1b`, `bob:access_key_1`, `rtb-9:10.20.0.0/16`, an ARN, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

ACCOUNT: Final = "AwsAccount"

# arn:<partition>:<service>:<region>:<account>:<resource>, resource prefix -> Security Hub type
_ARN_TYPES: Final = (
    ("iam", "user/", "AwsIamUser"),
    ("iam", "role/", "AwsIamRole"),
    ("iam", "policy/", "AwsIamPolicy"),
    ("iam", "group/", "AwsIamGroup"),
    ("cloudtrail", "trail/", "AwsCloudTrailTrail"),
    ("s3", "", "AwsS3Bucket"),
    ("kms", "key/", "AwsKmsKey"),
    ("cloudwatch", "alarm:", "AwsCloudWatchAlarm"),
    ("sns", "", "AwsSnsTopic"),
    ("ec2", "security-group/", "AwsEc2SecurityGroup"),
    ("ec2", "vpc/", "AwsEc2Vpc"),
    ("ec2", "instance/", "AwsEc2Instance"),
    ("ec2", "route-table/", "AwsEc2RouteTable"),
)
# EC2 ids by prefix -> (type, the ARN's resource part)
_EC2_IDS: Final = {
    "sg-": ("AwsEc2SecurityGroup", "security-group"),
    "vpc-": ("AwsEc2Vpc", "vpc"),
    "i-": ("AwsEc2Instance", "instance"),
    "rtb-": ("AwsEc2RouteTable", "route-table"),
    "acl-": ("AwsEc2NetworkAcl", "network-acl"),
}
_IAM_NAME: Final = re.compile(r"^[\w+=,.@-]{1,128}$")
# Settings of the account itself rather than of a resource in it
_ACCOUNT_SETTINGS: Final = ("root", "password-policy", "cloudtrail", "account")
_ACCOUNT_PREFIXES: Final = ("alternate-contact:", "config:", "contact:")


@dataclass(frozen=True)
class AwsResource:
    type: str
    id: str  # an ARN, or AWS::::Account:<id> for the account
    region: str
    details: dict[str, str] = field(default_factory=dict)  # what the check named beyond the resource


def partition_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def account_resource(account: str, region: str, setting: str | None = None) -> AwsResource:
    return AwsResource(ACCOUNT, f"AWS::::Account:{account}", region, {"setting": setting} if setting else {})


def _from_arn(arn: str, region: str) -> AwsResource | None:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, arn_region, resource = parts[2], parts[3], parts[5]
    if service == "iam" and resource == "root":
        return account_resource(parts[4], region, "root")
    for wanted, prefix, kind in _ARN_TYPES:
        if service == wanted and resource.startswith(prefix):
            return AwsResource(kind, arn, arn_region or region)
    return AwsResource("Other", arn, arn_region or region)


def aws_resource(raw_id: str, region: str, *, account: str, partition: str, control_id: str) -> AwsResource:
    """The Security Hub resource a check's resource id stands for."""
    if raw_id.startswith("arn:"):
        found = _from_arn(raw_id, region)
        if found is not None:
            return found
    if raw_id in _ACCOUNT_SETTINGS or raw_id.startswith(_ACCOUNT_PREFIXES):
        return account_resource(account, region, raw_id)
    head, _, rest = raw_id.partition(":")
    for prefix, (kind, part) in _EC2_IDS.items():
        if head.startswith(prefix):
            details = {"entry": rest} if rest else {}
            return AwsResource(kind, f"arn:{partition}:ec2:{region}:{account}:{part}/{head}", region, details)
    if control_id == "1.20":  # the support role, or the AWSSupportAccess policy no role has
        if raw_id == "AWSSupportAccess":
            return AwsResource("AwsIamPolicy", f"arn:{partition}:iam::aws:policy/{raw_id}", region)
        return AwsResource("AwsIamRole", f"arn:{partition}:iam::{account}:role/{raw_id}", region)
    if control_id.startswith("1.") and _IAM_NAME.match(head):  # a user, or one of a user's credentials
        details = {"credential": rest} if rest else {}
        return AwsResource("AwsIamUser", f"arn:{partition}:iam::{account}:user/{head}", region, details)
    return AwsResource("Other", raw_id, region)
