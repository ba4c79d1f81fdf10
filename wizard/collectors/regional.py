"""Per-region network and key reads: VPCs, flow logs, security groups, route tables, instances, KMS keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from wizard.collectors.api import ReadApi

KEY_READ_CONCURRENCY = 8


def fetch_vpcs(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("ec2", "DescribeVpcs", region, "Vpcs")


def fetch_flow_logs(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("ec2", "DescribeFlowLogs", region, "FlowLogs")


def fetch_security_groups(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("ec2", "DescribeSecurityGroups", region, "SecurityGroups")


def fetch_route_tables(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("ec2", "DescribeRouteTables", region, "RouteTables")


def fetch_running_instances(api: ReadApi, region: str) -> list[dict[str, Any]]:
    reservations = api.paginate(
        "ec2",
        "DescribeInstances",
        region,
        "Reservations",
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
    )
    return [instance for reservation in reservations for instance in reservation.get("Instances", [])]


@dataclass(frozen=True)
class KmsKey:
    metadata: dict[str, Any]
    aliases: tuple[str, ...]
    rotation_enabled: bool | None  # None when rotation does not apply to this key

    @property
    def key_id(self) -> str:
        return str(self.metadata["KeyId"])

    @property
    def arn(self) -> str:
        return str(self.metadata.get("Arn", self.key_id))


def is_rotatable_customer_key(metadata: dict[str, Any], aliases: tuple[str, ...]) -> bool:
    """Customer-managed, enabled, symmetric, KMS-generated key material: the keys CIS 2.8 is about.

    moto marks AWS-managed `alias/aws/*` keys as CUSTOMER once they are referenced, so aliases decide too.
    """
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    return (
        metadata.get("KeyManager") == "CUSTOMER"
        and metadata.get("KeyState") == "Enabled"
        and spec == "SYMMETRIC_DEFAULT"
        and metadata.get("Origin", "AWS_KMS") == "AWS_KMS"
        and not any(alias.startswith("alias/aws/") for alias in aliases)
    )


def fetch_kms_keys(api: ReadApi, region: str) -> list[KmsKey]:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kms-list") as pool:
        keys_job = pool.submit(api.paginate, "kms", "ListKeys", region, "Keys")
        aliases_job = pool.submit(api.paginate, "kms", "ListAliases", region, "Aliases")
        keys, alias_entries = keys_job.result(), aliases_job.result()
    aliases: dict[str, list[str]] = {}
    for entry in alias_entries:
        if entry.get("TargetKeyId"):
            aliases.setdefault(entry["TargetKeyId"], []).append(entry["AliasName"])

    def describe(key: dict[str, Any]) -> KmsKey:
        described = api.call("kms", "DescribeKey", region, KeyId=key["KeyId"]) or {}
        metadata = dict(described.get("KeyMetadata", {"KeyId": key["KeyId"]}))
        key_aliases = tuple(aliases.get(key["KeyId"], []))
        rotation: bool | None = None
        if is_rotatable_customer_key(metadata, key_aliases):
            status = api.call("kms", "GetKeyRotationStatus", region, KeyId=key["KeyId"]) or {}
            rotation = bool(status.get("KeyRotationEnabled"))
        return KmsKey(metadata, key_aliases, rotation)

    if not keys:
        return []
    # Each key needs its own calls; a few at a time keeps a region with hundreds of keys quick.
    with ThreadPoolExecutor(max_workers=KEY_READ_CONCURRENCY, thread_name_prefix="kms") as pool:
        return list(pool.map(describe, keys))
