"""The tools a seeding recipe uses: boto3 clients on the sandbox endpoint, and a small pool to run them on.

Recipes seed through the AWS API, as a user would; only what moto cannot do through the API (dates in
the past, last-use times, root) is written to moto's objects afterwards, by `backend_history`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import boto3
from botocore.config import Config

from wizard.aws.model_loader import share_models
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.sandbox.account import ACCESS_KEY_ID, SANDBOX_ACCOUNT_ID, SECRET_ACCESS_KEY, RegionLayout, days_ago
from wizard.sandbox.backend_history import KeyHistory, RootMfaHistory, SeedHistory, UserHistory, apply_history
from wizard.sandbox.root_account import RootAccountState

T = TypeVar("T")

# Both sandbox accounts are the same company's, opened this many days ago.
ACCOUNT_AGE_DAYS = 600

# moto answers 200-300 requests/s however many threads ask; a few threads keep it busy while one of them
# waits on a slow first call (the first EC2 call of a process loads moto's EC2 model, ~1.2 s).
SEED_WORKERS = 4


class SeedClients:
    """One boto3 client per (service, region) on the sandbox endpoint, made once (making them is not thread-safe)."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self.account_id = SANDBOX_ACCOUNT_ID
        self._session = boto3.Session(
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name="us-east-1",
        )
        # The models parsed for seeding are then already parsed for the audit that follows in this process.
        share_models(self._session._session)
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            max_pool_connections=SEED_WORKERS * 2,
            s3={"addressing_style": "path"},
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.requests = 0
        self._session.events.register("before-send", self._count)

    def _count(self, **_: Any) -> None:
        with self._lock:
            self.requests += 1

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                self._clients[key] = client
            return client


def run_concurrently(tasks: Iterable[Callable[[], T]], workers: int = SEED_WORKERS) -> list[T]:
    """Run independent seeding tasks on a small pool; the first failure is raised once all have ended."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox-seed") as pool:
        futures = [pool.submit(task) for task in tasks]
    return [future.result() for future in futures]


class AccountSeeder:
    """A recipe for one sandbox account: its identity, its trail and each region, seeded side by side; the
    users and keys it made, with the dates moto cannot set through the API, written to moto afterwards."""

    def __init__(self, clients: SeedClients, layout: RegionLayout, now: datetime) -> None:
        self.clients = clients
        self.layout = layout
        self.now = now
        self.account_id = clients.account_id
        self.users: list[UserHistory] = []
        self.keys: list[KeyHistory] = []
        self.root_mfa: RootMfaHistory | None = None

    def identity(self) -> None:
        raise NotImplementedError

    def trail(self) -> None:
        raise NotImplementedError

    def region(self, region: str) -> None:
        raise NotImplementedError

    def seed_account(self, root: RootAccountState) -> SeedHistory:
        tasks = [self.identity, self.trail, *(lambda r=r: self.region(r) for r in self.layout.regions)]
        run_concurrently(tasks)
        history = SeedHistory(self.now, root, tuple(self.users), tuple(self.keys), self.root_mfa)
        apply_history(self.account_id, history)
        return history

    @property
    def account_created(self) -> datetime:
        return days_ago(self.now, ACCOUNT_AGE_DAYS)


def account_trust(account_id: str) -> str:
    return policy_json(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "sts:AssumeRole"}
    )


def create_bucket(clients: SeedClients, name: str, region: str) -> str:
    s3 = clients("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def private_trail_bucket(clients: SeedClients, name: str, region: str) -> str:
    """A bucket CloudTrail may write to (the console's policy), with every public access blocked."""
    bucket = create_bucket(clients, name, region)
    s3 = clients("s3", region)
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, clients.account_id))
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return bucket


def cloudtrail_bucket_policy(bucket: str, account_id: str) -> str:
    """The policy the CloudTrail console writes: CloudTrail may read the ACL and write under AWSLogs/<account>."""
    source = {"aws:SourceAccount": account_id}
    cloudtrail = "cloudtrail.amazonaws.com"
    return policy_json(
        service_grant(
            "AWSCloudTrailAclCheck", cloudtrail, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", {"StringEquals": source}
        ),
        service_grant(
            "AWSCloudTrailWrite",
            cloudtrail,
            "s3:PutObject",
            f"arn:aws:s3:::{bucket}/AWSLogs/{account_id}/*",
            {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}},
        ),
    )


def default_security_groups(clients: SeedClients, region: str) -> list[dict[str, Any]]:
    ec2 = clients("ec2", region)
    return list(ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"])


def default_vpc_id(clients: SeedClients, region: str) -> str:
    vpcs = clients("ec2", region).describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(vpcs[0]["VpcId"])  # moto, like AWS, gives every region a default VPC


def world_ingress(port: int, description: str) -> list[dict[str, Any]]:
    return [
        {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": description}],
        }
    ]


def security_group(
    clients: SeedClients, region: str, vpc_id: str, name: str, description: str, ingress: list[dict[str, Any]]
) -> str:
    ec2 = clients("ec2", region)
    group_id = str(ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)["GroupId"])
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
    return group_id
