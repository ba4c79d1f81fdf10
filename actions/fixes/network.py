"""4.1-4.3: revoke world-open SSH/RDP and empty the default security groups, without two plans revoking one rule.

Every fix here is a RevokeSecurityGroupIngress/Egress of exact rule parts, and AWS (and moto) reject a revoke
whose rule is already gone. The same rule part can fail more than one control: `-1` from 0.0.0.0/0 opens both
22 and 3389 (4.1 and 4.2), and a world-open SSH rule on a default group fails 4.1 and 4.3. Plans are built
together from one audit and then run in order, so if two plans both revoked that part the second would fail.

So every rule part has exactly one owning plan, chosen by the set of controls whose fixes must remove it:
{4.1} -> world-ssh, {4.2} -> world-rdp, {4.3} -> default-security-groups, and each overlap ({4.1, 4.2},
{4.1, 4.3}, ...) -> a shared plan that every control of the overlap `requires`. Fixing 4.1 alone therefore
removes exactly what 4.1 needs (its own plan plus the shared parts), never RDP-only rules; fixing 4.1 and 4.2
together removes each shared rule once; the plans are disjoint, so any order works. Shared plans are not
mapped to a control (the registry maps each control to its own plan); their `control_ids` name the controls
they serve.

A rule part is: for an offending permission (one IpProtocol/FromPort/ToPort), its 0.0.0.0/0 and ::/0 entries
only; other CIDRs, security-group pairs and prefix lists in the same permission stay, unless the group is a
default group, where 4.3 removes them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from actions.fixes.aws_resources import read_each_region
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.checks.section_4_networking import WORLD_IPV4, WORLD_IPV6, offending_permissions
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Risk, in_lanes

SSH_PORT = 22
RDP_PORT = 3389
SSH, RDP, DEFAULT = "4.1", "4.2", "4.3"
ADMIN_PORTS = {SSH: SSH_PORT, RDP: RDP_PORT}

PLAN_IDS: dict[frozenset[str], str] = {
    frozenset({SSH}): "world-ssh",
    frozenset({RDP}): "world-rdp",
    frozenset({DEFAULT}): "default-security-groups",
    frozenset({SSH, RDP}): "world-ssh-rdp",
    frozenset({SSH, DEFAULT}): "default-sg-world-ssh",
    frozenset({RDP, DEFAULT}): "default-sg-world-rdp",
    frozenset({SSH, RDP, DEFAULT}): "default-sg-world-ssh-rdp",
}
TITLES: dict[str, str] = {
    "world-ssh": "Close SSH (port 22) to the internet",
    "world-rdp": "Close RDP (port 3389) to the internet",
    "default-security-groups": "Remove every rule from the default security groups",
    "world-ssh-rdp": "Close rules that open both SSH and RDP to the internet",
    "default-sg-world-ssh": "Close SSH to the internet on default security groups",
    "default-sg-world-rdp": "Close RDP to the internet on default security groups",
    "default-sg-world-ssh-rdp": "Close SSH and RDP to the internet on default security groups",
}
_RANGE_KEYS = (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"), ("PrefixListIds", "PrefixListId"))
_ALL_PROTOCOLS = {"-1", "all"}


def shared_plan_ids(control_id: str) -> tuple[str, ...]:
    """The shared plans a control's own plan requires (those owning rule parts other controls need too)."""
    return tuple(plan_id for owners, plan_id in PLAN_IDS.items() if control_id in owners and len(owners) > 1)


def is_default_group(group: dict[str, Any]) -> bool:
    return group.get("GroupName") == "default"  # as the 4.3 check decides


# -- rule parts ------------------------------------------------------------------------------------------------
def _bare(permission: dict[str, Any]) -> dict[str, Any]:
    """IpProtocol/FromPort/ToPort of a permission: what identifies the rule besides its sources."""
    rule: dict[str, Any] = {"IpProtocol": str(permission.get("IpProtocol"))}
    for port in ("FromPort", "ToPort"):
        if permission.get(port) is not None:
            rule[port] = int(permission[port])
    return rule


def _is_world(key: str, entry: dict[str, Any]) -> bool:
    return (key == "IpRanges" and entry.get("CidrIp") == WORLD_IPV4) or (
        key == "Ipv6Ranges" and entry.get("CidrIpv6") == WORLD_IPV6
    )


def _source_entries(permission: dict[str, Any], world: bool | None, account_id: str) -> dict[str, list[dict]]:
    """The source lists of a permission in the form AWS accepts back, descriptions included.

    The same entries serve the revoke and the undo's authorize. AWS ignores descriptions when it matches a
    revoke; moto matches them on group pairs, so sending them as described works on both.

    world=True: only 0.0.0.0/0 and ::/0; world=False: everything else; None: all. Group pairs keep GroupId
    (and UserId for another account's group); GroupName, VpcId, peering fields are dropped (rejected, or
    ignored, for VPC security groups). Empty lists are left out.
    """
    sources: dict[str, list[dict]] = {}
    for key, id_field in _RANGE_KEYS:
        for entry in permission.get(key) or []:
            if not entry.get(id_field) or (world is not None and _is_world(key, entry) != world):
                continue
            kept = {id_field: entry[id_field]}
            if entry.get("Description"):
                kept["Description"] = entry["Description"]
            sources.setdefault(key, []).append(kept)
    if world is not True:
        for pair in permission.get("UserIdGroupPairs") or []:
            if not pair.get("GroupId"):
                continue  # a pair without a group id cannot be named in a VPC revoke
            kept = {"GroupId": pair["GroupId"]}
            if pair.get("UserId") and pair["UserId"] != account_id:
                kept["UserId"] = pair["UserId"]
            if pair.get("Description"):
                kept["Description"] = pair["Description"]
            sources.setdefault("UserIdGroupPairs", []).append(kept)
    return sources


def _ports(permission: dict[str, Any]) -> str:
    protocol = str(permission.get("IpProtocol", "")).lower()
    if protocol in _ALL_PROTOCOLS:
        return "all traffic"
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or (low == -1 and high == -1):
        return f"{protocol} all ports"
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def _sources(permission: dict[str, Any]) -> str:
    names = [e.get(f) for key, f in _RANGE_KEYS for e in permission.get(key, [])]
    names += [p.get("GroupId") for p in permission.get("UserIdGroupPairs", [])]
    return ", ".join(str(n) for n in names if n)


def _opens_more_than_admin_port(permission: dict[str, Any]) -> bool:
    protocol = str(permission.get("IpProtocol", "")).lower()
    if protocol in _ALL_PROTOCOLS:
        return True
    low, high = permission.get("FromPort"), permission.get("ToPort")
    return low is None or low != high


@dataclass
class GroupRevoke:
    """What one plan removes from one security group (request form, with descriptions for the undo)."""

    region: str
    group: dict[str, Any]
    ingress: list[dict[str, Any]] = field(default_factory=list)
    egress: list[dict[str, Any]] = field(default_factory=list)

    @property
    def group_id(self) -> str:
        return str(self.group["GroupId"])

    @property
    def label(self) -> str:
        return f"{self.group_id} ({self.group.get('GroupName', '')}, {self.group.get('VpcId')}, {self.region})"


def _ingress_parts(group: dict[str, Any], account_id: str) -> Iterable[tuple[frozenset[str], dict[str, Any]]]:
    """(owning controls, rule part) for every ingress part some fix of 4.1-4.3 must remove."""
    default = is_default_group(group)
    offending = {
        control_id: [_bare(p) for p in offending_permissions(group, port)] for control_id, port in ADMIN_PORTS.items()
    }
    for permission in group.get("IpPermissions") or []:
        owners = {control_id for control_id, bare in offending.items() if _bare(permission) in bare}
        if owners:
            world = _source_entries(permission, True, account_id)
            yield frozenset(owners | ({DEFAULT} if default else set())), {**_bare(permission), **world}
        if default:
            rest = _source_entries(permission, False if owners else None, account_id)
            if rest:
                yield frozenset({DEFAULT}), {**_bare(permission), **rest}


def revokes_for(fix: FixContext, owners: frozenset[str]) -> tuple[list[GroupRevoke], list[str]]:
    """The groups (and rule parts) plan `owners` removes, and the regions whose groups could not be read."""
    revokes: list[GroupRevoke] = []
    groups_by_region, unreadable = read_each_region(fix, fix.inventory.security_groups)
    for region, groups in groups_by_region:
        for group in groups:
            revoke = GroupRevoke(region, group)
            revoke.ingress = [part for who, part in _ingress_parts(group, fix.account_id) if who == owners]
            if owners == frozenset({DEFAULT}) and is_default_group(group):
                revoke.egress = [
                    {**_bare(p), **sources}
                    for p in group.get("IpPermissionsEgress") or []
                    if (sources := _source_entries(p, None, fix.account_id))
                ]
            if revoke.ingress or revoke.egress:
                revokes.append(revoke)
    return revokes, unreadable


# -- who notices -----------------------------------------------------------------------------------------------
def describe_interface(interface: dict[str, Any]) -> str:
    """eni-... (instance i-..., description): a network interface as the admin recognises it."""
    details = []
    instance = (interface.get("Attachment") or {}).get("InstanceId")
    if instance:
        details.append(f"instance {instance}")
    elif interface.get("InterfaceType") not in (None, "interface"):
        details.append(str(interface["InterfaceType"]))
    elif interface.get("RequesterManaged"):
        details.append("managed by an AWS service")
    else:
        details.append("not attached" if interface.get("Status") == "available" else "no instance")
    if interface.get("Description"):
        details.append(str(interface["Description"]))
    return f"{interface['NetworkInterfaceId']} ({', '.join(details)})"


def interfaces_using(fix: FixContext, region: str, group_id: str) -> list[dict[str, Any]]:
    """The network interfaces a security group is attached to (cached; raises AwsReadError)."""
    return fix.inventory.fetch(
        "ec2", "DescribeNetworkInterfaces", region, "NetworkInterfaces", Filters=_group_filter(group_id)
    )


def _group_filter(group_id: str) -> list[dict[str, Any]]:
    return [{"Name": "group-id", "Values": [group_id]}]


def affected_interfaces(fix: FixContext, revokes: list[GroupRevoke]) -> tuple[list[str], list[str]]:
    """(affected lines, notes): each ENI using a changed group, and the groups no ENI uses today."""
    affected: list[str] = []
    unused: list[str] = []
    fix.inventory.fetch_all(
        ("ec2", "DescribeNetworkInterfaces", r.region, "NetworkInterfaces", {"Filters": _group_filter(r.group_id)})
        for r in revokes
    )
    for revoke in revokes:
        try:
            interfaces = interfaces_using(fix, revoke.region, revoke.group_id)
        except AwsReadError as error:
            affected.append(f"unknown: could not list the network interfaces using {revoke.label}: {error.reason}")
            continue
        if not interfaces:
            unused.append(revoke.label)
        for interface in interfaces:
            affected.append(f"{describe_interface(interface)} uses {revoke.group_id} in {revoke.region}")
    notes = [f"No network interface uses {', '.join(unused)} today."] if unused else []
    return affected, notes


# -- plans -----------------------------------------------------------------------------------------------------
def _steps(revokes: list[GroupRevoke]) -> tuple[list[ApiCall], list[ApiCall]]:
    steps: list[ApiCall] = []
    undo: list[ApiCall] = []
    for revoke in revokes:
        for direction, rules, revoke_operation, restore_operation in (
            ("Ingress", revoke.ingress, "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"),
            ("Egress", revoke.egress, "RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress"),
        ):
            if not rules:
                continue
            what = "inbound" if direction == "Ingress" else "outbound"
            towards = "from" if direction == "Ingress" else "to"
            described = "; ".join(f"{_ports(r)} {towards} {_sources(r)}" for r in rules)
            steps.append(
                ApiCall(
                    f"revoke-{direction.lower()}-{revoke.group_id}",
                    "ec2",
                    revoke_operation,
                    {"GroupId": revoke.group_id, "IpPermissions": rules},
                    revoke.region,
                    f"revoke {what} {described} on {revoke.label}",
                    Risk.DISRUPTIVE,
                )
            )
            undo.append(
                ApiCall(
                    f"restore-{direction.lower()}-{revoke.group_id}",
                    "ec2",
                    restore_operation,
                    {"GroupId": revoke.group_id, "IpPermissions": rules},
                    revoke.region,
                    f"put the {what} rules of {revoke.label} back",
                )
            )
    # Each revoke names its own rule parts: they do not wait for one another.
    return in_lanes([], [[step] for step in steps]), undo


def _notes(owners: frozenset[str], revokes: list[GroupRevoke]) -> list[str]:
    notes: list[str] = []
    ports = [str(ADMIN_PORTS[c]) for c in (SSH, RDP) if c in owners]
    if ports:
        closed = f"port{'s' if len(ports) > 1 else ''} {' and '.join(ports)}"
        notes.append(
            f"Connections from the internet to {closed} stop. Reach instances through AWS Systems Manager "
            "Session Manager, EC2 Instance Connect Endpoint, a VPN or a bastion, or add a rule for your own "
            "address range; other sources in the same rules stay."
        )
        wider = [
            f"{r.group_id}: {_ports(p)} from {_sources(p)}"
            for r in revokes
            for p in r.ingress
            if _opens_more_than_admin_port(p)
        ]
        if wider:
            notes.append(
                "These world-open rules cover more than the admin port, so revoking them also closes the other "
                "ports they opened to the internet (re-add narrow rules for services that must stay public, "
                "e.g. HTTPS 443): " + "; ".join(wider) + "."
            )
    if DEFAULT in owners:
        notes.append(
            "Instances and other resources in a default group lose the traffic these rules allowed (with no "
            "outbound rules they cannot reach anything) unless another of their groups allows it: move them to "
            "purpose-made groups first. Anything launched later without a group gets no traffic."
        )
    if len(owners) > 1:
        controls = ", ".join(sorted(owners))
        notes.append(f"These rules fail {controls} at once; this one plan removes them for all of those controls.")
    return notes


def network_plan(fix: FixContext, owners: frozenset[str]) -> PlanDraft:
    """What the plan owning the rule parts of `owners` revokes (see the module's docstring)."""
    # A shared plan names only the controls being fixed (those the audit saw failing), so checking afterwards
    # does not report a control nobody asked to fix; built without an audit, it names all it serves.
    controls = sorted(fix.failing(owners) or owners)
    revokes, unreadable = revokes_for(fix, owners)
    unread = [f"Security groups not read, so not changed: {'; '.join(unreadable)}."] if unreadable else []
    if not revokes:
        # A control's own plan says why it cannot plan; a shared plan with nothing to do stays silent.
        refused = None
        if unreadable and len(owners) == 1:
            refused = f"cannot read the security groups: {'; '.join(unreadable)}"
        return PlanDraft(refused=refused, control_ids=controls)
    steps, undo = _steps(revokes)
    affected, unused = affected_interfaces(fix, revokes)
    notes = _notes(owners, revokes) + unused + unread
    return PlanDraft(steps, undo=undo, notes=notes, affected=affected, control_ids=controls)


NETWORK_PERMISSIONS = (
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    # undo
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
)


@register_fix(
    "world-ssh", (SSH,), title=TITLES["world-ssh"], requires=shared_plan_ids(SSH), permissions=NETWORK_PERMISSIONS
)
def world_ssh_plan(fix: FixContext) -> PlanDraft:
    return network_plan(fix, frozenset({SSH}))


@register_fix(
    "world-rdp", (RDP,), title=TITLES["world-rdp"], requires=shared_plan_ids(RDP), permissions=NETWORK_PERMISSIONS
)
def world_rdp_plan(fix: FixContext) -> PlanDraft:
    return network_plan(fix, frozenset({RDP}))


@register_fix(
    "default-security-groups",
    (DEFAULT,),
    title=TITLES["default-security-groups"],
    requires=shared_plan_ids(DEFAULT),
    permissions=NETWORK_PERMISSIONS,
)
def default_security_groups_plan(fix: FixContext) -> PlanDraft:
    return network_plan(fix, frozenset({DEFAULT}))


def _register_shared(owners: frozenset[str]) -> None:
    # Registered without control ids: each control stays mapped to its own plan, which requires this one.
    plan_id = PLAN_IDS[owners]
    register_fix(plan_id, (), title=TITLES[plan_id], permissions=NETWORK_PERMISSIONS)(
        lambda fix: network_plan(fix, owners)
    )


for _owners in PLAN_IDS:
    if len(_owners) > 1:
        _register_shared(_owners)
