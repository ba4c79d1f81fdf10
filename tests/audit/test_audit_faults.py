"""The audit under injected faults (throttling, AccessDenied, an endpoint that goes away): it completes,
and only the controls whose reads failed say ERROR, with the AWS error code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.fault_proxy import FaultProxy, deny, drop, throttle
from wizard.audit.findings import Finding, Status
from wizard.audit.run import run_audit
from wizard.aws.context import AwsContext, AwsSettings
from wizard.catalog import load_catalog

REGIONS = "us-east-1,eu-west-1"


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=endpoint) as running:
        yield running


def audit(url: str) -> dict[str, Finding]:
    ctx = AwsContext(AwsSettings(region="us-east-1", regions=REGIONS, endpoint_url=url))
    result = run_audit(ctx, list(load_catalog()), ctx.resolve_regions())
    return {r.control.id: r.finding for r in result.results}


def test_throttling_bursts_are_retried_and_verdicts_do_not_change(endpoint: str, proxy: FaultProxy) -> None:
    clean = audit(endpoint)
    proxy.add_rule("ec2:DescribeSecurityGroups", throttle(3))
    proxy.add_rule("iam:GetAccountPasswordPolicy", throttle(2))
    proxy.add_rule("kms:ListKeys", throttle(2))
    throttled = audit(proxy.url)
    assert {c: f.status for c, f in throttled.items()} == {c: f.status for c, f in clean.items()}


def test_access_denied_makes_only_those_controls_error_with_the_code(endpoint: str, proxy: FaultProxy) -> None:
    clean = audit(endpoint)
    proxy.add_rule("iam:GetAccountPasswordPolicy", deny())
    proxy.add_rule("ec2:DescribeFlowLogs", deny())
    findings = audit(proxy.url)
    for control_id in ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11"):
        assert findings[control_id].status is Status.ERROR
        assert findings[control_id].error_code == "AccessDenied"
        assert "iam:GetAccountPasswordPolicy" in findings[control_id].summary
    assert findings["2.9"].status is Status.ERROR
    assert findings["2.9"].error_code == "UnauthorizedOperation"
    untouched = set(clean) - {"1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "2.9"}
    assert {c: findings[c].status for c in untouched} == {c: clean[c].status for c in untouched}


def test_dropped_connections_on_one_read_error_that_control_only(endpoint: str, proxy: FaultProxy) -> None:
    proxy.add_rule("config:DescribeConfigurationRecorders", drop())
    findings = audit(proxy.url)
    assert findings["2.5"].status is Status.ERROR
    assert findings["1.5"].status is Status.FAIL
