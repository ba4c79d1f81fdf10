"""4.1-4.3 fixes against moto: exact revokes, shared rules revoked once, default groups emptied, undo restores."""

from __future__ import annotations

import pytest

from actions.fixes.network import PLAN_IDS, network_plan
from actions.options import FixOptions
from actions.workflow import prepare_fixes
from tests.support import fixing
from tests.support.accounts import HOME, OTHER
from tests.support.auditing import audit_one
from tests.support.fixing import fix, fresh_context, run_undo
from tests.support.networking import default_vpc, ec2, group_with, tcp
from wizard.audit.findings import Status
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog


def ingress(group_id: str, region: str = HOME) -> list[dict]:
    return ec2(region).describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]


def egress(group_id: str, region: str = HOME) -> list[dict]:
    return ec2(region).describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissionsEgress"]


def rules(permissions: list[dict]) -> set[tuple]:
    """Each (protocol, from, to, source) a group allows, for comparing states."""
    found = set()
    for p in permissions:
        port = (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"))
        found |= {(*port, r["CidrIp"]) for r in p.get("IpRanges", [])}
        found |= {(*port, r["CidrIpv6"]) for r in p.get("Ipv6Ranges", [])}
        found |= {(*port, g["GroupId"]) for g in p.get("UserIdGroupPairs", [])}
    return found


def default_group(region: str = HOME) -> str:
    groups = ec2(region).describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": [default_vpc(region)]}]
    )["SecurityGroups"]
    return groups[0]["GroupId"]


def assert_nothing_left(ctx: AwsContext, *control_ids: str) -> None:
    """Nothing to do on a second run, and each network plan a later wizard would build is empty."""
    fixing.assert_nothing_left(ctx, *control_ids)
    fresh = fresh_context(ctx)
    for owners in PLAN_IDS:
        if owners & set(control_ids):
            assert network_plan(fresh, owners).is_empty, PLAN_IDS[owners]


def test_4_1_revokes_only_the_world_entries(ctx) -> None:
    group = group_with(
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary"}, {"CidrIp": "10.0.0.0/8"}],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        }
    )
    ec2().authorize_security_group_ingress(GroupId=group, IpPermissions=[tcp(443, 443)])
    before = rules(ingress(group))
    run = fix(ctx, "4.1")
    assert [p.id for p in run.selection.plans] == ["world-ssh"]
    plan = run.selection.plans[0]
    assert [s.operation for s in plan.steps] == ["RevokeSecurityGroupIngress"]
    assert plan.steps[0].params == {
        "GroupId": group,
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    }
    assert plan.risk.value == "disruptive"
    assert plan.undo[0].operation == "AuthorizeSecurityGroupIngress"
    assert plan.undo[0].params["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0", "Description": "temporary"}]
    assert any("No network interface uses" in note for note in plan.notes)
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    assert rules(ingress(group)) == {("tcp", 22, 22, "10.0.0.0/8"), ("tcp", 443, 443, "0.0.0.0/0")}
    assert audit_one(ctx, "4.1").status is Status.PASS
    assert_nothing_left(ctx, "4.1")

    run_undo(ctx, *run.selection.plans)
    assert rules(ingress(group)) == before
    assert audit_one(ctx, "4.1").status is Status.FAIL


@pytest.mark.parametrize(
    ("control_id", "permission"),
    [
        ("4.1", tcp(0, 1024)),
        ("4.1", tcp(22, 22, v4=None, v6="::/0")),
        ("4.1", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
        ("4.2", tcp(3000, 4000, v6="::/0")),
        ("4.2", {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}),
    ],
)
def test_ranges_all_protocols_and_ipv6_are_revoked(ctx, control_id: str, permission: dict) -> None:
    group = group_with(permission, region=OTHER)
    assert audit_one(ctx, control_id).status is Status.FAIL
    run = fix(ctx, control_id)
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    assert [s.region for p in run.selection.plans for s in p.steps] == [OTHER]
    assert ingress(group, OTHER) == []
    assert audit_one(ctx, control_id).status is Status.PASS
    assert_nothing_left(ctx, control_id)


def test_a_wide_rule_says_it_closes_other_ports_too(ctx) -> None:
    group_with(tcp(0, 1024))
    plan = fix(ctx, "4.1").selection.plans[0]
    assert any("tcp 0-1024 from 0.0.0.0/0" in note and "443" in note for note in plan.notes)


def test_all_traffic_world_rule_4_1_then_4_2_both_pass(ctx) -> None:
    group = group_with({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]})
    ec2().authorize_security_group_ingress(GroupId=group, IpPermissions=[tcp(3389, 3389)])

    first = fix(ctx, "4.1")
    assert [p.id for p in first.selection.plans] == ["world-ssh-rdp"]  # world-ssh itself has nothing
    # It serves 4.2 too, but names only the control being fixed, so the check afterwards looks at 4.1 alone.
    assert first.selection.plans[0].control_ids == ("4.1",)
    assert [(r.control.id, r.finding.status) for r in first.after.results] == [("4.1", Status.PASS)]
    assert all(o.ok for o in first.outcomes), [o.failure for o in first.outcomes]
    assert audit_one(ctx, "4.1").status is Status.PASS
    assert audit_one(ctx, "4.2").status is Status.FAIL  # its RDP-only rule was not 4.1's to remove

    second = fix(ctx, "4.2")
    assert [p.id for p in second.selection.plans] == ["world-rdp"]
    assert all(o.ok for o in second.outcomes), [o.failure for o in second.outcomes]
    assert audit_one(ctx, "4.2").status is Status.PASS
    assert rules(ingress(group)) == {("-1", None, None, "10.0.0.0/8")}
    assert_nothing_left(ctx, "4.1", "4.2")


def test_4_1_and_4_2_together_revoke_a_shared_rule_once(ctx) -> None:
    group = group_with({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    ec2().authorize_security_group_ingress(
        GroupId=group, IpPermissions=[tcp(22, 22), tcp(3389, 3389, v4=None, v6="::/0"), tcp(0, 65535)]
    )
    run = fix(ctx, "4.1", "4.2")
    assert [p.id for p in run.selection.plans] == ["world-ssh-rdp", "world-ssh", "world-rdp"]
    revoked = [
        (p.id, perm["IpProtocol"], perm.get("FromPort"))
        for p in run.selection.plans
        for s in p.steps
        for perm in s.params["IpPermissions"]
    ]
    assert sorted(revoked) == sorted(
        [
            ("world-ssh-rdp", "-1", None),
            ("world-ssh-rdp", "tcp", 0),
            ("world-ssh", "tcp", 22),
            ("world-rdp", "tcp", 3389),
        ]
    )
    assert any("ports 22 and 3389 stop" in note for note in run.selection.plans[0].notes)
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    assert ingress(group) == []
    assert audit_one(ctx, "4.1").status is Status.PASS
    assert audit_one(ctx, "4.2").status is Status.PASS
    assert_nothing_left(ctx, "4.1", "4.2")


def test_world_ssh_on_a_default_group_with_4_1_and_4_3_together(ctx) -> None:
    default = default_group()
    ec2().authorize_security_group_ingress(
        GroupId=default,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    run = fix(ctx, "4.1", "4.3")
    ids = [p.id for p in run.selection.plans]
    assert ids == ["default-sg-world-ssh", "default-security-groups"]
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    assert audit_one(ctx, "4.1").status is Status.PASS
    assert audit_one(ctx, "4.3").status is Status.PASS
    assert_nothing_left(ctx, "4.1", "4.3")


def test_4_3_shows_the_interfaces_using_the_default_group_before_it_asks(ctx) -> None:
    default = default_group()
    client = ec2()
    client.authorize_security_group_ingress(
        GroupId=default,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default, "Description": "same group"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    subnet = client.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc()]}])["Subnets"][0]
    eni = client.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[default], Description="app server")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    before_in, before_out = rules(ingress(default)), rules(egress(default))

    # What the admin sees before the confirm: the plan, built from the audit, nothing changed yet.
    selection = prepare_fixes(ctx, [load_catalog().get("4.3")], FixOptions(), ctx.resolve_regions())
    plan = selection.plans[0]
    assert plan.id == "default-security-groups"
    assert any(line.startswith(f"{eni} (") and "app server" in line and default in line for line in plan.affected)
    assert rules(ingress(default)) == before_in

    assert {s.region for s in plan.steps} == {HOME, OTHER}  # moto's default groups allow all egress
    home_steps = {s.operation: s.params for s in plan.steps if s.params["GroupId"] == default}
    assert home_steps["RevokeSecurityGroupIngress"]["IpPermissions"][0] == {
        "IpProtocol": "-1",
        "UserIdGroupPairs": [{"GroupId": default, "Description": "same group"}],
    }
    assert home_steps["RevokeSecurityGroupEgress"]["IpPermissions"] == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    assert plan.risk.value == "disruptive"
    assert any("move them to purpose-made groups first" in note for note in plan.notes)
    assert not any("Connections from the internet" in note for note in plan.notes)

    run = fix(ctx, "4.3")
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    assert ingress(default) == [] and egress(default) == []
    assert audit_one(ctx, "4.3").status is Status.PASS
    assert_nothing_left(ctx, "4.3")

    run_undo(ctx, *run.selection.plans)
    assert rules(ingress(default)) == before_in
    assert rules(egress(default)) == before_out
    restored = next(p for p in ingress(default) if p["IpProtocol"] == "-1")
    assert restored["UserIdGroupPairs"][0].get("Description") == "same group"
