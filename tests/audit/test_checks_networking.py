"""Section 4 checks against moto: port ranges, protocol -1, IPv6, default groups, peering routes."""

from __future__ import annotations

import pytest

from tests.support.accounts import HOME, OTHER
from tests.support.auditing import audit_one, statuses
from tests.support.networking import ec2, group_with, peered_route, tcp
from wizard.audit.findings import Status


def close_default_groups(*regions: str) -> None:
    for region in regions:
        client = ec2(region)
        for group in client.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"
        ]:
            if group["IpPermissions"]:
                client.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
            if group["IpPermissionsEgress"]:
                client.revoke_security_group_egress(
                    GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
                )


@pytest.mark.parametrize(
    ("control_id", "permission"),
    [
        ("4.1", tcp(22, 22)),
        ("4.1", tcp(0, 1024)),
        ("4.1", tcp(22, 22, v4=None, v6="::/0")),
        ("4.1", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
        ("4.2", tcp(3389, 3389)),
        ("4.2", tcp(3000, 4000)),
        ("4.2", {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}),
    ],
)
def test_world_open_admin_ports_fail(ctx, control_id: str, permission: dict) -> None:
    group = group_with(permission, region=OTHER)
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.FAIL
    assert [r.id for r in finding.failing()] == [group]
    assert finding.failing()[0].region == OTHER


@pytest.mark.parametrize(
    ("control_id", "permission"),
    [
        ("4.1", tcp(22, 22, v4="10.0.0.0/8")),
        ("4.1", tcp(23, 1000)),
        ("4.1", tcp(80, 443)),
        ("4.1", {"IpProtocol": "udp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
        ("4.2", tcp(3390, 3400)),
        ("4.2", tcp(3389, 3389, v4="192.0.2.0/24")),
    ],
)
def test_restricted_or_other_ports_pass(ctx, control_id: str, permission: dict) -> None:
    group_with(permission)
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.PASS
    assert all(status is Status.PASS for status in statuses(finding).values())


def test_4_3_fails_for_moto_default_groups_with_egress(ctx) -> None:
    finding = audit_one(ctx, "4.3")
    assert finding.status is Status.FAIL
    assert {r.region for r in finding.failing()} == {HOME, OTHER}


def test_4_3_fails_in_the_one_region_left_open(ctx) -> None:
    close_default_groups(HOME)
    finding = audit_one(ctx, "4.3")
    assert finding.status is Status.FAIL
    assert {r.region for r in finding.failing()} == {OTHER}


def test_4_3_passes_when_every_default_group_is_empty(ctx) -> None:
    close_default_groups(HOME, OTHER)
    group_with(tcp(443, 443))  # a non-default group may allow traffic
    assert audit_one(ctx, "4.3").status is Status.PASS


def test_4_4_lists_peering_routes_for_review(ctx) -> None:
    table, _ = peered_route("10.2.0.0/16")
    finding = audit_one(ctx, "4.4")
    assert finding.status is Status.MANUAL
    assert [r.id for r in finding.resources] == [f"{table}:10.2.0.0/16"]


def test_4_4_not_applicable_without_peering(ctx) -> None:
    assert audit_one(ctx, "4.4").status is Status.NOT_APPLICABLE


def test_evidence_cites_the_offending_group_even_among_many(ctx) -> None:
    for n in range(30):
        group_with(tcp(443, 443), name=f"web-{n}")
    bad = group_with(tcp(22, 22), name="zz-ssh")
    finding = audit_one(ctx, "4.1")
    cited = [e for e in finding.evidence if e.operation == "ec2:DescribeSecurityGroups" and e.region == HOME]
    assert cited and cited[0].cli == "aws ec2 describe-security-groups --region us-east-1"
    assert [g["GroupId"] for g in cited[0].response["SecurityGroups"]] == [bad]
    assert cited[0].response["SecurityGroups"][0]["IpPermissions"][0]["FromPort"] == 22
