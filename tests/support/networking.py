"""Security groups as section 4 sees them, seeded in moto."""

from __future__ import annotations

from typing import Any

import boto3

from tests.support.accounts import HOME


def ec2(region: str = HOME) -> Any:
    return boto3.client("ec2", region_name=region)


def default_vpc(region: str = HOME) -> str:
    return ec2(region).describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def group_with(permission: dict[str, Any], region: str = HOME, name: str = "web") -> str:
    client = ec2(region)
    group = client.create_security_group(GroupName=name, Description=name, VpcId=default_vpc(region))["GroupId"]
    client.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
    return group


def tcp(low: int, high: int, *, v4: str | None = "0.0.0.0/0", v6: str | None = None) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": low, "ToPort": high}
    if v4:
        permission["IpRanges"] = [{"CidrIp": v4}]
    if v6:
        permission["Ipv6Ranges"] = [{"CidrIpv6": v6}]
    return permission


def peered_route(destination: str, region: str = HOME) -> tuple[str, str]:
    """VPCs 10.1.0.0/16 and 10.2.0.0/16 peered, and a route table of the first sending `destination` through the
    peering: (route table id, peering connection id)."""
    client = ec2(region)
    vpc_a = client.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    vpc_b = client.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    peering = client.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    table = client.create_route_table(VpcId=vpc_a)["RouteTable"]["RouteTableId"]
    client.create_route(RouteTableId=table, DestinationCidrBlock=destination, VpcPeeringConnectionId=peering)
    return table, peering
