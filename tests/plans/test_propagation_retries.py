"""What the apply engine retries as "not yet" (AWS's propagation errors, as Terraform's provider retries them)
and what it stops at: the code alone is not enough when AWS's message tells a final error apart."""

from __future__ import annotations

from actions.options import FixOptions
from actions.workflow import prepare_fixes
from benchmarks.fault_proxy import FaultProxy, error
from tests.support.fixing import RecordingJournal
from wizard.aws.context import AwsContext, AwsSettings
from wizard.catalog import load_catalog
from wizard.plans.executor import StepStatus, run_plans

TRAIL_CALLS = ["cloudtrail:CreateTrail", "cloudtrail:UpdateTrail"]


def apply_trail_fixes(endpoint: str, code: str, message: str) -> tuple[list[StepStatus], RecordingJournal]:
    """Fixes 2.1 and 2.4 on the fresh account, the first trail call answered `code` with `message`."""
    controls = [load_catalog().get("2.1"), load_catalog().get("2.4")]
    with FaultProxy(upstream=endpoint) as proxy:
        ctx = AwsContext(AwsSettings(region="us-east-1", regions="us-east-1", endpoint_url=proxy.url))
        selection = prepare_fixes(ctx, controls, FixOptions(), ctx.resolve_regions())
        proxy.add_rule(TRAIL_CALLS, error(400, code, message, times=1))
        journal = RecordingJournal()
        outcomes = run_plans(ctx, selection.plans, journal)
    return [s.status for o in outcomes for s in o.steps], journal


def trail_results(journal: RecordingJournal) -> list[tuple[str, str | None]]:
    calls = {str(n + 1): entry[1][1] for n, entry in enumerate(journal.entries) if entry[0] == "intent"}
    return [
        (status, code)
        for kind, (token, status, code) in journal.entries
        if kind == "result" and calls[token] in ("CreateTrail", "UpdateTrail")
    ]


def test_the_log_group_refused_with_access_denied_is_waited_for_like_the_role(endpoint: str) -> None:
    statuses, journal = apply_trail_fixes(
        endpoint,
        "InvalidCloudWatchLogsLogGroupArnException",
        "Access denied. Check the permissions for your role.",
    )
    assert set(statuses) == {StepStatus.DONE}
    first, second = trail_results(journal)[:2]
    assert first == ("failed", "InvalidCloudWatchLogsLogGroupArnException") and second == ("done", None)


def test_a_role_arn_refused_for_another_reason_stops_the_plan_at_once(endpoint: str) -> None:
    statuses, journal = apply_trail_fixes(
        endpoint, "InvalidCloudWatchLogsRoleArnException", "CloudWatch Logs role ARN is not valid."
    )
    assert StepStatus.FAILED in statuses and StepStatus.DONE in statuses
    assert trail_results(journal) == [("failed", "InvalidCloudWatchLogsRoleArnException")]  # not tried again
