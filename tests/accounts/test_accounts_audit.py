"""Every account of an organization on moto: five members in different states (fresh, hardened, partly fixed,
one whose role cannot be assumed, one throttled through the fault proxy), plus the management account."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
import requests
from moto.iam.models import get_account_id_from

from actions.options import FixOptions
from benchmarks.fault_proxy import FaultProxy, ProxyRequest
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.cli import run_cli
from tests.support.fixing import fix
from tests.support.seeded_accounts import admin_mistakes
from wizard.aws.context import AwsContext, AwsSettings

ROLE = "OrganizationAccountAccessRole"
STATES = ("fresh", "hardened", "partly-fixed", "role-missing", "throttled")


@dataclass(frozen=True)
class Member:
    state: str
    account_id: str


def assumed(endpoint: str, account_id: str) -> boto3.Session:
    credentials = boto3.client("sts", endpoint_url=endpoint, region_name=HOME).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="seeding"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=HOME,
    )


def member_env(endpoint: str, account_id: str) -> dict[str, str]:
    """The environment of a single-account audit of `account_id` (credentials of its role)."""
    credentials = assumed(endpoint, account_id).get_credentials().get_frozen_credentials()
    return {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token or "",
    }


@pytest.fixture
def organization(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Member]]:
    """moto serves each account's own state only when no MOTO_ACCOUNT_ID forces one account."""
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    org = boto3.client("organizations", endpoint_url=endpoint, region_name=HOME)
    org.create_organization(FeatureSet="ALL")
    members = []
    for state in STATES:
        created = org.create_account(Email=f"{state}@example.com", AccountName=state)["CreateAccountStatus"]
        members.append(Member(state, created["AccountId"]))
    for member in members:
        session = assumed(endpoint, member.account_id)
        if member.state in ("fresh", "hardened", "partly-fixed", "throttled"):
            admin_mistakes(session, HOME, endpoint)
        ctx = AwsContext(AwsSettings(region=HOME, regions=HOME, endpoint_url=endpoint), session=session)
        if member.state == "hardened":
            assert fix(ctx, options=FixOptions(alarm_endpoint="sec@example.com")).report.failed == []
        if member.state == "partly-fixed":
            assert fix(ctx, "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "4.1").report.failed == []
    yield members


def account_of(request: ProxyRequest) -> str | None:
    key = request.access_key
    return get_account_id_from(key) if key else None


def with_faults(proxy: FaultProxy, members: list[Member]) -> None:
    """The role-missing account refuses AssumeRole as AWS does; the throttled one throttles its first reads."""
    missing = next(m.account_id for m in members if m.state == "role-missing")
    throttled = next(m.account_id for m in members if m.state == "throttled")
    left = {"throttles": 12}
    lock = threading.Lock()

    def refuse_role(request: ProxyRequest, forward):  # type: ignore[no-untyped-def]
        if missing in request.form.get("RoleArn", ""):
            return request.error(
                403, "AccessDenied", f"User is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
            )
        return forward()

    def throttle(request: ProxyRequest, forward):  # type: ignore[no-untyped-def]
        if account_of(request) == throttled:
            with lock:
                if left["throttles"] > 0:
                    left["throttles"] -= 1
                    return request.error(400, "Throttling", "Rate exceeded")
        return forward()

    proxy.add_handler("sts:AssumeRole", refuse_role)
    proxy.add_handler(lambda info: info.service != "sts", throttle)


def statuses(report: dict) -> dict[str, tuple[str, tuple]]:
    return {
        c["id"]: (c["status"], tuple(sorted((r["id"], r["status"]) for r in c["resources"])))
        for c in report["controls"]
    }


def test_an_organization_is_audited_account_by_account_with_a_roll_up(
    organization: list[Member], endpoint: str
) -> None:
    with FaultProxy(upstream=endpoint) as proxy:
        with_faults(proxy, organization)
        proc = run_cli("audit", "--endpoint-url", proxy.url, "--organization", "--regions", HOME, "--format", "json")
        answered = [r.handler for r in proxy.records if r.handler]
    assert answered.count("throttle") == 12 and answered.count("refuse_role") == 1
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    by_id = {a["account_id"]: a for a in data["accounts"]}
    assert set(by_id) == {ACCOUNT_ID, *(m.account_id for m in organization)}
    missing = next(m for m in organization if m.state == "role-missing")
    assert by_id[missing.account_id]["status"] == "unreachable"
    assert "AccessDenied" in by_id[missing.account_id]["reason"]
    assert data["rollup"]["unreachable"] == [missing.account_id]
    for member in organization:
        if member.state == "role-missing":
            continue
        single = run_cli(
            "audit",
            "--endpoint-url",
            endpoint,
            "--regions",
            HOME,
            "--format",
            "json",
            env=member_env(endpoint, member.account_id),
        )
        one = json.loads(single.stdout)
        assert one["account_id"] == member.account_id
        # Each account's verdicts are exactly what a single-account audit gives (throttling changed none).
        assert statuses(by_id[member.account_id]["report"]) == statuses(one), member.state
    fresh = next(m for m in organization if m.state == "fresh")
    hardened = next(m for m in organization if m.state == "hardened")
    assert len(by_id[fresh.account_id]["failing"]) > len(by_id[hardened.account_id]["failing"])
    worst = {w["id"]: w for w in data["rollup"]["worst_controls"]}
    for control_id, entry in worst.items():
        failing_in = [a for a in data["accounts"] if a["status"] == "audited" and control_id in a["failing"]]
        assert entry["accounts"] == len(failing_in) == len(entry["failing_in"])
    counts = [w["accounts"] for w in data["rollup"]["worst_controls"]]
    assert counts == sorted(counts, reverse=True)


def test_named_accounts_and_a_bad_id(organization: list[Member], endpoint: str) -> None:
    ids = [m.account_id for m in organization if m.state in ("fresh", "hardened")]
    proc = run_cli(
        "audit", "--endpoint-url", endpoint, "--accounts", ",".join(ids), "--regions", HOME, "--format", "json"
    )
    assert [a["account_id"] for a in json.loads(proc.stdout)["accounts"]] == ids
    bad = run_cli("audit", "--endpoint-url", endpoint, "--accounts", "12345", "--regions", HOME)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
