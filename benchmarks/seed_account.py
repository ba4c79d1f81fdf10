"""Seed a moto server, through its HTTP API with boto3, as a fresh AWS account (optionally a big one).

    python -m benchmarks.seed_account --endpoint-url http://127.0.0.1:PORT --regions us-east-1,eu-west-1
    python -m benchmarks.seed_account --endpoint-url ... --regions us-east-1 --scale

In every region: the default VPC (moto makes it), one more VPC, the default VPC's security group plus two
more (one with SSH open to 0.0.0.0/0), two customer KMS keys with aliases (one rotating). Once: a few IAM
users and groups (one user with a console password and an access key, an admin group), and a single-region
CloudTrail trail in the first region, logging to its own bucket.

--scale adds, in the first region: 5,000 IAM users (every 5th with an access key and a console password),
1,000 security groups (every 10th with SSH open), 200 KMS keys (every other one rotating).

Seeding runs on a thread pool of 4 (moto answers ~200-300 requests/s however many threads ask; a few
threads keep it busy, more only contend); it prints how long each part took. moto makes an RSA key pair
for every KMS key it creates (~60 ms of CPU each), so KMS keys seed at only ~20-50 keys/s.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

ACCOUNT_ID = "123456789012"
SCALE_USERS = 5_000
SCALE_SECURITY_GROUPS = 1_000
SCALE_KMS_KEYS = 200
DEFAULT_WORKERS = 4


@dataclass
class SeedReport:
    """What was made and how long it took: `phases` maps a phase name to (requests, seconds)."""

    phases: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(n for n, _ in self.phases.values())

    @property
    def seconds(self) -> float:
        return sum(s for _, s in self.phases.values())

    def lines(self) -> list[str]:
        rows = [
            f"  {name:<28} {n:>6} requests {s:7.2f} s  {n / s if s else 0:6.0f} req/s"
            for name, (n, s) in self.phases.items()
        ]
        total = f"  {'total':<28} {self.requests:>6} requests {self.seconds:7.2f} s"
        return [*rows, f"{total}  {self.requests / self.seconds if self.seconds else 0:6.0f} req/s"]


class Seeder:
    def __init__(self, endpoint_url: str, workers: int = DEFAULT_WORKERS, session: boto3.Session | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.workers = workers
        self.session = session or boto3.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            region_name="us-east-1",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            max_pool_connections=max(workers, 10),
            s3={"addressing_style": "path"},
        )
        self.report = SeedReport()

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        with self._lock:  # boto3 clients are thread-safe once made; making them is not
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
            return self._clients[key]

    def _fan_out(self, phase: str, tasks: Iterable[Callable[[], int]]) -> None:
        """Run tasks (each returns how many requests it made) on the pool; record the phase's time."""
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="seed") as pool:
            requests = sum(pool.map(lambda task: task(), list(tasks)))
        self.report.phases[phase] = (requests, time.perf_counter() - started)

    # -- every region ----------------------------------------------------------------------------------
    def _region(self, region: str) -> int:
        ec2, kms = self.client("ec2", region), self.client("kms", region)
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        default_vpc = vpcs[0]["VpcId"]  # moto creates it with the region
        ec2.create_vpc(CidrBlock="10.1.0.0/16")  # gets its own default security group
        ec2.create_security_group(GroupName="web", Description="https from anywhere", VpcId=default_vpc)
        ssh = ec2.create_security_group(GroupName="admin-ssh", Description="ssh from anywhere", VpcId=default_vpc)
        ec2.authorize_security_group_ingress(
            GroupId=ssh["GroupId"],
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        requests = 5
        for index, rotating in enumerate((True, False)):
            key_id = kms.create_key(Description=f"app key {index}")["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=f"alias/app-{index}", TargetKeyId=key_id)
            requests += 2
            if rotating:
                kms.enable_key_rotation(KeyId=key_id)
                requests += 1
        return requests

    def _identity(self) -> int:
        iam = self.client("iam")
        for group in ("admins", "developers"):
            iam.create_group(GroupName=group)
        iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        for user, group in (("alice", "admins"), ("bob", "developers"), ("carol", "developers")):
            iam.create_user(UserName=user)
            iam.add_user_to_group(GroupName=group, UserName=user)
        iam.create_login_profile(UserName="alice", Password="Str0ng-enough-passw0rd!")
        iam.create_access_key(UserName="alice")
        return 11

    @property
    def account_id(self) -> str:
        """The seeded account (the session's: an organization's member seeds under its own id)."""
        return str(self.client("sts").get_caller_identity()["Account"])

    def _trail(self, region: str) -> int:
        s3, cloudtrail = self.client("s3", region), self.client("cloudtrail", region)
        account_id = self.account_id
        bucket = f"cloudtrail-logs-{account_id}-{region}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": ["s3:GetBucketAcl", "s3:PutObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/AWSLogs/{account_id}/*"],
                }
            ],
        }
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        cloudtrail.create_trail(Name="management-events", S3BucketName=bucket, IsMultiRegionTrail=False)
        cloudtrail.start_logging(Name="management-events")
        return 4

    def seed(self, regions: list[str]) -> SeedReport:
        for region in regions:
            self.client("ec2", region), self.client("kms", region)
        for service in ("iam", "s3", "cloudtrail"):
            self.client(service, regions[0])
        tasks: list[Callable[[], int]] = [functools.partial(self._region, r) for r in regions]
        tasks += [self._identity, lambda: self._trail(regions[0])]
        self._fan_out(f"account ({len(regions)} regions)", tasks)
        return self.report

    # -- scale --------------------------------------------------------------------------------------------
    def _scale_user(self, index: int) -> int:
        iam = self.client("iam")
        name = f"user-{index:05d}"
        iam.create_user(UserName=name, Path="/scale/")
        if index % 5:
            return 1
        iam.create_login_profile(UserName=name, Password="Str0ng-enough-passw0rd!")
        iam.create_access_key(UserName=name)
        return 3

    def _scale_group(self, region: str, vpc_id: str, index: int) -> int:
        ec2 = self.client("ec2", region)
        group = ec2.create_security_group(GroupName=f"scale-{index:04d}", Description="scale", VpcId=vpc_id)
        if index % 10:
            return 1
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"],
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        return 2

    def _scale_key(self, region: str, index: int) -> int:
        kms = self.client("kms", region)
        key_id = kms.create_key(Description=f"scale key {index}")["KeyMetadata"]["KeyId"]
        if index % 2:
            return 1
        kms.enable_key_rotation(KeyId=key_id)
        return 2

    def seed_scale(
        self,
        region: str,
        users: int = SCALE_USERS,
        security_groups: int = SCALE_SECURITY_GROUPS,
        kms_keys: int = SCALE_KMS_KEYS,
    ) -> SeedReport:
        ec2 = self.client("ec2", region)
        self.client("iam"), self.client("kms", region)
        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        self._fan_out(f"scale: {users} IAM users", [functools.partial(self._scale_user, i) for i in range(users)])
        self._fan_out(
            f"scale: {security_groups} security groups",
            [functools.partial(self._scale_group, region, vpc_id, i) for i in range(security_groups)],
        )
        self._fan_out(
            f"scale: {kms_keys} KMS keys", [functools.partial(self._scale_key, region, i) for i in range(kms_keys)]
        )
        return self.report


def seed_account(
    endpoint_url: str,
    regions: list[str],
    *,
    scale: bool = False,
    workers: int = DEFAULT_WORKERS,
    session: boto3.Session | None = None,
) -> SeedReport:
    """Seed the fresh account (and with `scale`, the big one in regions[0]); returns the timings. `session`:
    credentials of the account to seed (default: the environment's)."""
    seeder = Seeder(endpoint_url, workers, session)
    seeder.seed(regions)
    if scale:
        seeder.seed_scale(regions[0])
    return seeder.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seed_account", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-url", required=True, help="the moto server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--regions", default="us-east-1", help="r1,r2,... (the trail and --scale go in r1)")
    parser.add_argument("--scale", action="store_true", help="5,000 users, 1,000 security groups, 200 keys")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="concurrent seeding threads")
    args = parser.parse_args(argv)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    report = seed_account(args.endpoint_url, regions, scale=args.scale, workers=args.workers)
    print("seeding:")
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
