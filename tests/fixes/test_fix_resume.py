"""Fix all, failed at each changing call in turn (through the fault proxy), then run again: the rerun reuses
what the failed run made (a key found by its alias, a role, a bucket, a topic, a group) and finishes, with no
second copy of anything, and a third run has nothing left to do."""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3
import pytest
import requests

from actions.options import FixOptions
from benchmarks.fault_proxy import FaultProxy, RequestInfo, deny
from tests.support.accounts import HOME
from tests.support.fixing import fix
from tests.support.seeded_accounts import admin_mistakes
from wizard.aws.context import AwsContext, AwsSettings

OPTIONS = FixOptions(alarm_endpoint="sec@example.com")


def changes(operations: list[str]) -> list[tuple[str, int]]:
    """Where to fail: the first and the last call of each changing operation of a clean run (the 14 filter
    puts of 3.x differ only in their pattern: failing the first and the last of them covers the rest)."""
    counts: dict[str, int] = {}
    for operation in operations:
        counts[operation] = counts.get(operation, 0) + 1
    return [(op, n) for op, count in counts.items() for n in dict.fromkeys((1, count))]


def nth_call_of(operation: str, n: int) -> Callable[[RequestInfo], bool]:
    """Matches the n-th request (1-based) of `operation`, and only that one."""
    seen = 0
    lock = threading.Lock()

    def matches(info: RequestInfo) -> bool:
        nonlocal seen
        if info.operation != operation:
            return False
        with lock:
            seen += 1
            return seen == n

    return matches


def fresh_account(endpoint: str) -> None:
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    admin_mistakes(boto3.Session(), HOME, endpoint)


def context(url: str) -> AwsContext:
    return AwsContext(AwsSettings(region=HOME, regions=HOME, endpoint_url=url))


def copies(endpoint: str) -> dict[str, int]:
    """How many of each thing the fixes make exist (each should be one)."""

    def client(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, endpoint_url=endpoint, region_name=HOME)

    keys = [
        k
        for k in client("kms").list_keys()["Keys"]
        if client("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("Description", "").startswith("cis-wizard")
    ]
    topic = next(t["TopicArn"] for t in client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(":cis-alarms"))
    return {
        "trails": len(client("cloudtrail").describe_trails()["trailList"]),
        "trail keys": len(keys),
        "alarm subscriptions": len(client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]),
        "groups for alice": len(client("iam").list_groups_for_user(UserName="alice")["Groups"]),
        "config recorders": len(client("config").describe_configuration_recorders()["ConfigurationRecorders"]),
        "flow logs": len(client("ec2").describe_flow_logs()["FlowLogs"]),
    }


@pytest.mark.parametrize("shard", [0, 1])
def test_every_changing_call_of_fix_all_can_fail_and_the_rerun_finishes(moto_endpoint: str, shard: int) -> None:
    fresh_account(moto_endpoint)
    clean = fix(context(moto_endpoint), options=OPTIONS, parallel=True)
    assert clean.report.failed == []
    operations = [entry[1][1] for entry in clean.journal.entries if entry[0] == "intent"]
    targets = changes(operations)
    assert len(targets) > 20
    for operation, n in targets[shard::2]:
        fresh_account(moto_endpoint)
        with FaultProxy(upstream=moto_endpoint) as proxy:
            proxy.add_rule(nth_call_of(operation, n), deny())
            failed = fix(context(proxy.url), options=OPTIONS, parallel=True)
            assert len(failed.report.failed) == 1, (operation, n)
            proxy.clear_rules()
            rerun = fix(context(proxy.url), options=OPTIONS, parallel=True)
        assert [(r.plan.id, r.outcome.failure) for r in rerun.report.failed if r.outcome] == [], (operation, n)
        assert copies(moto_endpoint) == {
            "trails": 1,
            "trail keys": 1,
            "alarm subscriptions": 1,
            "groups for alice": 1,
            "config recorders": 1,
            "flow logs": 1,
        }, (operation, n)
    third = fix(context(moto_endpoint), options=OPTIONS, parallel=True)
    assert [s.cli() for plan in third.selection.plans for s in plan.steps] == []
