"""An organization on moto for the tests of many accounts: five members in different states (fresh, hardened,
partly fixed, one whose role cannot be assumed, one throttled through the fault proxy), plus the management
account (the caller's own). The `organization` fixture (conftest) builds it; the tests import these helpers."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import boto3
import requests
from moto.iam.models import get_account_id_from

from actions.options import FixOptions
from benchmarks.fault_proxy import FaultProxy, ProxyRequest
from tests.support.accounts import HOME
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


def build_organization(endpoint: str) -> list[Member]:
    """The organization and its five members, each seeded through its role (moto must serve each account's
    own state: no MOTO_ACCOUNT_ID)."""
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
    return members


def account_of(request: ProxyRequest) -> str | None:
    key = request.access_key
    return get_account_id_from(key) if key else None


def with_faults(proxy: FaultProxy, members: list[Member], *, throttling: bool = True) -> None:
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
    if throttling:
        proxy.add_handler(lambda info: info.service != "sts", throttle)


def statuses(report: dict) -> dict[str, tuple[str, tuple]]:  # type: ignore[type-arg]
    """Each control's status and its resources' statuses: what must be equal between two audits."""
    return {
        c["id"]: (c["status"], tuple(sorted((r["id"], r["status"]) for r in c["resources"])))
        for c in report["controls"]
    }


def member(members: list[Member], state: str) -> Member:
    return next(m for m in members if m.state == state)
