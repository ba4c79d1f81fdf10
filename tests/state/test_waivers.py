"""Waivers: granted, changed and expired in the audit log; kept per account (0600, atomic); shown by `audit`
(JSON `waiver` object, table marker, expired flagged) without changing a status; the exit code they allow."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import boto3
import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER, HOME
from tests.support.cli import run_cli
from tests.support.session_state import open_log
from wizard.audit.findings import Finding, Status
from wizard.audit_log.reader import read_log
from wizard.audit_log.records import Kind
from wizard.state.files import StateFileError
from wizard.state.waivers import WaiverBook, WaiverError, counts_as_failing, latest_expiry, parse_expiry, waivers_path

TODAY = dt.date(2026, 3, 10)


def waiver_records(log_path: Path) -> list[tuple[str | None, dict]]:  # type: ignore[type-arg]
    return [(r.control, r.payload) for r in read_log(log_path).records if r.kind == Kind.WAIVER]


# -- the rules -------------------------------------------------------------------------------------------------
def test_expiry_must_be_in_the_future_and_at_most_a_year_away() -> None:
    assert parse_expiry("2026-03-11", TODAY) == dt.date(2026, 3, 11)
    assert parse_expiry(" 2027-03-10 ", TODAY) == dt.date(2027, 3, 10)
    with pytest.raises(WaiverError, match="must be in the future"):
        parse_expiry("2026-03-10", TODAY)
    with pytest.raises(WaiverError, match="at most a year: choose 2027-03-10 or earlier"):
        parse_expiry("2027-03-11", TODAY)
    with pytest.raises(WaiverError, match="not a date"):
        parse_expiry("next tuesday", TODAY)
    assert latest_expiry(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


@pytest.mark.parametrize(
    ("control", "reason", "owner", "message"),
    [
        ("9.9", "why", "me", "unknown control '9.9'"),
        ("4.4", "   ", "me", "needs a reason"),
        ("4.4", "why", "", "needs an owner"),
        ("4.4", "x" * 501, "me", "longer than 500"),
    ],
)
def test_a_waiver_needs_a_known_control_a_reason_and_an_owner(log_path, control, reason, owner, message) -> None:  # type: ignore[no-untyped-def]
    with open_log(log_path) as log, pytest.raises(WaiverError, match=message):
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, control, reason=reason, owner=owner, expires=dt.date(2026, 6, 1), today=TODAY
        )
    assert not waivers_path(ACCOUNT_ID, log_path).exists()


# -- grant, change, expire ---------------------------------------------------------------------------------------
def test_grant_is_logged_then_kept_private_beside_the_log(log_path: Path) -> None:
    with open_log(log_path) as log:
        waiver = WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log,
            "4.4",
            reason="peering to the shared VPC, reviewed",
            owner="net-team",
            expires=dt.date(2026, 6, 30),
            today=TODAY,
        )
    path = waivers_path(ACCOUNT_ID, log_path)
    assert path == log_path.with_name(f"{ACCOUNT_ID}.jsonl.waivers.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob("*.tmp"))
    [(control, payload)] = waiver_records(log_path)
    assert control == "4.4"
    assert payload["action"] == "granted"
    assert (payload["reason"], payload["owner"], payload["expires"]) == (
        "peering to the shared VPC, reviewed",
        "net-team",
        "2026-06-30",
    )
    assert payload["granted_by"]["caller"] == CALLER and payload["granted_by"]["user"]
    reloaded = WaiverBook.load(ACCOUNT_ID, log_path).get("4.4")
    assert reloaded == waiver
    assert reloaded.log_seq == read_log(log_path).records[-1].seq
    assert reloaded.granted_at == read_log(log_path).records[-1].time
    assert reloaded.to_report(TODAY) == {
        "reason": "peering to the shared VPC, reviewed",
        "owner": "net-team",
        "expires": "2026-06-30",
        "expired": False,
        "granted_by": {"caller": CALLER, "user": payload["granted_by"]["user"]},
        "granted_at": waiver.granted_at,
    }


def test_granting_again_changes_the_waiver_and_logs_what_it_was(log_path: Path) -> None:
    with open_log(log_path) as log:
        book = WaiverBook.load(ACCOUNT_ID, log_path)
        book.grant(log, "4.1", reason="legacy bastion", owner="ops", expires=dt.date(2026, 4, 1), today=TODAY)
        book.grant(log, "4.1", reason="legacy bastion, until Q3", owner="ops", expires=dt.date(2026, 9, 1), today=TODAY)
    first, second = waiver_records(log_path)
    assert (first[1]["action"], second[1]["action"]) == ("granted", "changed")
    assert second[1]["previous"] == {
        "reason": "legacy bastion",
        "owner": "ops",
        "expires": "2026-04-01",
        "expired": False,
    }
    assert WaiverBook.load(ACCOUNT_ID, log_path).get("4.1").expires == dt.date(2026, 9, 1)  # type: ignore[union-attr]


def test_expiry_is_logged_once_and_a_new_grant_after_it_is_granted_not_changed(log_path: Path) -> None:
    with open_log(log_path) as log:
        book = WaiverBook.load(ACCOUNT_ID, log_path)
        book.grant(log, "4.4", reason="review pending", owner="net", expires=dt.date(2026, 3, 31), today=TODAY)
        assert book.expire_due(log, dt.date(2026, 3, 31)) == []  # runs through its expiry date
        assert book.covers("4.4", dt.date(2026, 3, 31))
        [expired] = book.expire_due(log, dt.date(2026, 4, 1))
        assert expired.expiry_logged_seq is not None
        assert book.expire_due(log, dt.date(2026, 4, 2)) == []
        assert not book.covers("4.4", dt.date(2026, 4, 1))
        book.grant(
            log, "4.4", reason="review again", owner="net", expires=dt.date(2026, 5, 1), today=dt.date(2026, 4, 2)
        )
    actions = [p["action"] for _, p in waiver_records(log_path)]
    assert actions == ["granted", "expired", "granted"]
    expired_record = waiver_records(log_path)[1][1]
    assert expired_record["expires"] == "2026-03-31" and expired_record["granted_seq"] is not None


def test_a_damaged_or_foreign_waiver_file_is_reported_not_reset(log_path: Path) -> None:
    path = waivers_path(ACCOUNT_ID, log_path)
    path.parent.mkdir(mode=0o700)
    path.touch(mode=0o600)
    path.write_text("{not json")
    with pytest.raises(StateFileError, match="is not valid JSON"):
        WaiverBook.load(ACCOUNT_ID, log_path)
    path.write_text(json.dumps({"version": 1, "account": "210987654321", "waivers": {}}))
    with pytest.raises(StateFileError, match="belongs to account '210987654321'"):
        WaiverBook.load(ACCOUNT_ID, log_path)
    path.write_text(json.dumps({"version": 1, "account": ACCOUNT_ID, "waivers": {"4.4": {"control": "4.4"}}}))
    with pytest.raises(StateFileError, match=r"the waiver of 4\.4 has no reason"):
        WaiverBook.load(ACCOUNT_ID, log_path)


def test_only_an_unexpired_waiver_keeps_a_fail_out_of_the_exit_code(log_path: Path) -> None:
    with open_log(log_path) as log:
        waiver = WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, "4.1", reason="bastion", owner="ops", expires=dt.date(2026, 4, 1), today=TODAY
        )
    failing = Finding("4.1", Status.FAIL, "open")
    assert counts_as_failing(failing, None, TODAY)
    assert not counts_as_failing(failing, waiver, TODAY)
    assert counts_as_failing(failing, waiver, dt.date(2026, 4, 2))
    assert counts_as_failing(Finding("4.1", Status.ERROR, "AccessDenied"), waiver, TODAY)
    assert not counts_as_failing(Finding("4.4", Status.MANUAL, "review"), None, TODAY)


# -- `cis-wizard audit` shows them -----------------------------------------------------------------------------
def open_ssh_and_peer(endpoint: str) -> None:
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=HOME)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="bastion", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=other)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=peering)


def audit(endpoint: str, log_path: Path, fmt: str):  # type: ignore[no-untyped-def]
    return run_cli(
        "audit",
        "--endpoint-url",
        endpoint,
        "--regions",
        HOME,
        "--controls",
        "4.1,4.4",
        "--format",
        fmt,
        "--log",
        str(log_path),
    )


def test_audit_shows_waivers_keeps_statuses_and_exits_0_when_every_fail_is_waived(endpoint, log_path) -> None:  # type: ignore[no-untyped-def]
    open_ssh_and_peer(endpoint)
    assert audit(endpoint, log_path, "json").returncode == 3  # no waiver yet: 4.1 fails
    today = dt.datetime.now(dt.UTC).date()
    expires = today + dt.timedelta(days=30)
    with open_log(log_path) as log:
        book = WaiverBook.load(ACCOUNT_ID, log_path)
        book.grant(log, "4.1", reason="legacy bastion, replaced in Q3", owner="ops", expires=expires)
        book.grant(log, "4.4", reason="peering reviewed by net-team", owner="net-team", expires=expires)
    proc = audit(endpoint, log_path, "json")
    assert proc.returncode == 0, proc.stderr
    controls = {c["id"]: c for c in json.loads(proc.stdout)["controls"]}
    assert controls["4.1"]["status"] == "FAIL" and controls["4.4"]["status"] == "MANUAL"
    assert controls["4.1"]["waiver"] == {
        "reason": "legacy bastion, replaced in Q3",
        "owner": "ops",
        "expires": expires.isoformat(),
        "expired": False,
        "granted_by": {"caller": CALLER, "user": controls["4.1"]["waiver"]["granted_by"]["user"]},
        "granted_at": controls["4.1"]["waiver"]["granted_at"],
    }
    table = audit(endpoint, log_path, "table")
    assert table.returncode == 0
    assert f"FAIL (waived until {expires.isoformat()})" in table.stdout
    assert f"MANUAL (waived until {expires.isoformat()})" in table.stdout


def test_audit_flags_an_expired_waiver_logs_the_expiry_and_exits_3(endpoint, log_path) -> None:  # type: ignore[no-untyped-def]
    open_ssh_and_peer(endpoint)
    today = dt.datetime.now(dt.UTC).date()
    granted_on, expired_on = today - dt.timedelta(days=100), today - dt.timedelta(days=10)
    with open_log(log_path) as log:
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, "4.1", reason="bastion", owner="ops", expires=expired_on, today=granted_on
        )
    proc = audit(endpoint, log_path, "json")
    assert proc.returncode == 3, proc.stderr
    waiver = {c["id"]: c for c in json.loads(proc.stdout)["controls"]}["4.1"]["waiver"]
    assert waiver["expired"] is True and waiver["expires"] == expired_on.isoformat()
    assert [p["action"] for _, p in waiver_records(log_path)] == ["granted", "expired"]
    table = audit(endpoint, log_path, "table")
    assert table.returncode == 3
    assert f"FAIL (waiver expired {expired_on.isoformat()})" in table.stdout
    assert [p["action"] for _, p in waiver_records(log_path)] == ["granted", "expired"]  # logged once
    verify = run_cli("log", "verify", "--log", str(log_path))
    assert verify.returncode == 0, verify.stdout + verify.stderr
