"""3.1-3.14: filters and alarms on the compliant trail's log group, one shared topic."""

from __future__ import annotations

import boto3

from actions.options import FixOptions
from tests.support.auditing import audit_one
from tests.support.fixing import fix
from wizard.audit.findings import Status

MONITORING = tuple(f"3.{n}" for n in range(1, 15))


def test_fresh_account_gets_trail_logs_and_all_alarms_then_nothing_left(ctx) -> None:
    run = fix(ctx, *MONITORING, options=FixOptions(alarm_endpoint="sec@example.com"))
    assert [p.id for p in run.selection.plans] == ["cloudtrail", "cloudtrail-logs", "cis-alarms"]
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    alarms = run.selection.plans[-1]
    assert any("confirmation" in note for note in alarms.notes)
    for control_id in MONITORING:
        finding = audit_one(ctx, control_id)
        assert finding.status is Status.PASS, (control_id, finding.resources)
    filters = boto3.client("logs", region_name="us-east-1").describe_metric_filters(logGroupName="cis-cloudtrail")
    assert {f["metricTransformations"][0]["metricNamespace"] for f in filters["metricFilters"]} == {"CISBenchmark"}
    again = fix(ctx, *MONITORING)
    assert again.selection.plans == []
    assert again.journal.entries == []


def test_only_the_chosen_control_is_fixed(ctx) -> None:
    run = fix(ctx, "3.5", options=FixOptions(alarm_endpoint="sec@example.com"))
    alarms = run.selection.plans[-1]
    assert [s.id for s in alarms.steps if s.operation == "PutMetricAlarm"] == ["alarm-3.5"]
    assert audit_one(ctx, "3.5").status is Status.PASS
    assert audit_one(ctx, "3.6").status is Status.FAIL


def test_existing_topic_with_subscribers_is_reused(ctx) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="security-team")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="team@example.com")
    run = fix(ctx, "3.1", options=FixOptions())
    alarms = run.selection.plans[-1]
    assert not [s for s in alarms.steps if s.operation in ("CreateTopic", "Subscribe")]
    assert alarms.steps[-1].params["AlarmActions"] == [topic]
    assert audit_one(ctx, "3.1").status is Status.PASS


def test_without_an_address_the_alarms_are_refused_with_the_reason(ctx) -> None:
    run = fix(ctx, "3.1", options=FixOptions())
    assert [p.id for p in run.selection.refused] == ["cis-alarms"]
    assert "--alarm-email" in (run.selection.refused[0].refused or "")
