"""Section 4: Networking (4.1-4.4)."""

from __future__ import annotations

from typing import Any

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.checks.registry import each_region, register
from wizard.collectors.cache import cite
from wizard.collectors.inventory import Inventory

WORLD_IPV4 = "0.0.0.0/0"
WORLD_IPV6 = "::/0"
_TCP = {"tcp", "6"}
_ALL = {"-1", "all"}


def permission_covers_port(permission: dict[str, Any], port: int) -> bool:
    """True when an IpPermission admits TCP `port`: all protocols, or TCP with the port in its range."""
    protocol = str(permission.get("IpProtocol", "")).lower()
    if protocol in _ALL:
        return True
    if protocol not in _TCP:
        return False
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or high is None:
        return True
    if int(low) == -1 and int(high) == -1:
        return True
    return int(low) <= port <= int(high)


def world_sources(permission: dict[str, Any]) -> list[str]:
    sources = [r["CidrIp"] for r in permission.get("IpRanges", []) if r.get("CidrIp") == WORLD_IPV4]
    sources += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6") == WORLD_IPV6]
    return sources


def offending_permissions(group: dict[str, Any], port: int) -> list[dict[str, Any]]:
    """The ingress permissions of a group that open `port` to 0.0.0.0/0 or ::/0."""
    return [p for p in group.get("IpPermissions", []) if permission_covers_port(p, port) and world_sources(p)]


def _group_identity(group: dict[str, Any]) -> dict[str, Any]:
    return {key: group.get(key) for key in ("GroupId", "GroupName", "VpcId")}


def _describe_permission(permission: dict[str, Any]) -> str:
    protocol = permission.get("IpProtocol")
    if str(protocol) in _ALL:
        ports = "all traffic"
    else:
        ports = f"{protocol} {permission.get('FromPort')}-{permission.get('ToPort')}"
    return f"{ports} from {', '.join(world_sources(permission))}"


def _open_port_check(inv: Inventory, builder: FindingBuilder, port: int, service: str) -> Finding:
    for region, groups in each_region(inv, inv.security_groups, builder):
        cited = []
        for group in groups:
            bad = offending_permissions(group, port)
            label = f"{group['GroupId']} ({group.get('GroupName', '')})"
            if bad:
                builder.failed(group["GroupId"], region, f"{label} allows " + "; ".join(map(_describe_permission, bad)))
                cited.append({**_group_identity(group), "IpPermissions": bad})
            else:
                builder.passed(group["GroupId"], region, f"{label}: {service} ({port}) not open to the world")
        if cited:
            cite("ec2:DescribeSecurityGroups", region, {"SecurityGroups": cited})
    return builder.build(
        passed=f"No security group opens port {port} to the world ({{total}} checked).",
        failed=f"{{failing}} security group(s) open port {port} ({service}) to 0.0.0.0/0 or ::/0.",
        empty="No security groups in the audited regions.",
    )


@register("4.1", regional_reads=("security_groups",))
def no_world_ssh(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _open_port_check(inv, builder, 22, "SSH")


@register("4.2", regional_reads=("security_groups",))
def no_world_rdp(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _open_port_check(inv, builder, 3389, "RDP")


@register("4.3", regional_reads=("security_groups",))
def default_security_group_closed(inv: Inventory, builder: FindingBuilder) -> Finding:
    for region, groups in each_region(inv, inv.security_groups, builder):
        defaults = [g for g in groups if g.get("GroupName") == "default"]
        cite(
            "ec2:DescribeSecurityGroups",
            region,
            {
                "SecurityGroups": [
                    {
                        **_group_identity(g),
                        "IpPermissions": g.get("IpPermissions", []),
                        "IpPermissionsEgress": g.get("IpPermissionsEgress", []),
                    }
                    for g in defaults
                ]
            },
        )
        for group in defaults:
            inbound, outbound = len(group.get("IpPermissions", [])), len(group.get("IpPermissionsEgress", []))
            label = f"default group of {group.get('VpcId')}"
            builder.judge(
                group["GroupId"],
                region,
                not (inbound or outbound),
                passed=f"{label} has no rules",
                failed=f"{label} has {inbound} inbound and {outbound} outbound rule(s)",
            )
    return builder.build(
        passed="All {total} default security groups restrict all traffic.",
        failed="{failing} of {total} default security groups allow traffic.",
        empty="No VPCs (so no default security groups) in the audited regions.",
    )


@register("4.4", regional_reads=("route_tables",))
def peering_routes_least_access(inv: Inventory, builder: FindingBuilder) -> Finding:
    for region, tables in each_region(inv, inv.route_tables, builder):
        for table in tables:
            for route in table.get("Routes", []):
                peering = route.get("VpcPeeringConnectionId")
                if not peering:
                    continue
                destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or "?"
                builder.add(
                    f"{table['RouteTableId']}:{destination}",
                    region,
                    Status.MANUAL,
                    f"route {destination} -> {peering} in {table.get('VpcId')}: confirm it is as narrow as needed",
                )
    return builder.build(
        passed="No peering routes.",
        manual="{manual} peering route(s) to review: each should reach only the hosts that need it.",
        empty="No VPC peering routes in the audited regions.",
    )
