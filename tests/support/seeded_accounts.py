"""Accounts the fix-all tests start from, seeded through the AWS API (any moto: in-process or a server).

`admin_mistakes`: the fresh account an admin hardens first, with the usual mistakes: an IAM user alice with a
console password, an access key made at set-up and never used, and a customer-managed policy granting "*"
on "*" attached directly to her beside a narrower one; no password policy, no trail, SSH open to the world.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3

ADMIN_DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READER_DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}


def admin_mistakes(session: boto3.Session, home: str = "us-east-1", endpoint_url: str | None = None) -> None:
    iam = session.client("iam", region_name=home, endpoint_url=endpoint_url)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-42!")
    iam.create_access_key(UserName="alice")
    admin = iam.create_policy(PolicyName="FullAdmin", PolicyDocument=json.dumps(ADMIN_DOCUMENT))["Policy"]["Arn"]
    reader = iam.create_policy(PolicyName="S3Reader", PolicyDocument=json.dumps(READER_DOCUMENT))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=admin)
    iam.attach_user_policy(UserName="alice", PolicyArn=reader)
    ec2 = session.client("ec2", region_name=home, endpoint_url=endpoint_url)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="ssh", Description="ssh from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )


SEEDERS: dict[str, Callable[..., None]] = {"admin-mistakes": admin_mistakes}
