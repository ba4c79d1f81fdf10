"""Apply under faults: the endpoint goes away mid-plan, then comes back; expired credentials."""

from __future__ import annotations

import boto3

from actions.options import FixOptions
from actions.workflow import prepare_fixes
from benchmarks.fault_proxy import FaultProxy, error
from tests.support.cli import run_cli
from tests.support.fixing import RecordingJournal
from wizard.aws.context import AwsContext, AwsSettings
from wizard.catalog import load_catalog
from wizard.plans.executor import StepStatus, run_plans

REGIONS = "us-east-1"


def test_endpoint_dies_mid_apply_then_a_rerun_finishes_without_duplicates(endpoint: str) -> None:
    controls = [load_catalog().get("2.1"), load_catalog().get("2.4")]
    options = FixOptions(alarm_endpoint="sec@example.com")
    with FaultProxy(upstream=endpoint) as proxy:
        ctx = AwsContext(AwsSettings(region="us-east-1", regions=REGIONS, endpoint_url=proxy.url))
        selection = prepare_fixes(ctx, controls, options, ctx.resolve_regions())
        total = sum(len(p.steps) for p in selection.plans)
        done = []

        def kill_after_three(plan, step, outcome) -> None:  # type: ignore[no-untyped-def]
            if outcome is not None and outcome.status is StepStatus.DONE:
                done.append(step.operation)
                if len(done) == 3:
                    proxy.stop()

        journal = RecordingJournal()
        outcomes = run_plans(ctx, selection.plans, journal, kill_after_three)
        steps = [s for o in outcomes for s in o.steps]
        ran = [s for s in steps if s.status is StepStatus.DONE]
        failed = [s for s in steps if s.status is StepStatus.FAILED]
        assert len(ran) == 3 and len(failed) == 1
        assert failed[0].error_code in ("EndpointConnectionError", "ConnectionClosedError")
        assert len(ran) + 1 < total  # the rest did not run
        proxy.start()
        again = prepare_fixes(ctx, controls, options, ctx.resolve_regions())
        assert sum(len(p.steps) for p in again.plans) == total - 3  # what ran is not planned again
        assert all(o.ok for o in run_plans(ctx, again.plans, RecordingJournal()))
    trails = boto3.client("cloudtrail", endpoint_url=endpoint, region_name="us-east-1").describe_trails()["trailList"]
    assert len(trails) == 1
    buckets = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_buckets()["Buckets"]
    assert len([b for b in buckets if b["Name"].startswith("cis-cloudtrail-")]) == 1


def test_expired_credentials_are_one_clear_sentence(endpoint: str) -> None:
    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_rule(
            "sts:GetCallerIdentity", error(403, "ExpiredToken", "The security token included in the request is expired")
        )
        proc = run_cli("audit", "--endpoint-url", proxy.url, "--controls", "1.5")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "cis-wizard: The AWS session token has expired: refresh it (aws sso login, or new temporary keys)."
    )
