"""Section 3 checks against moto: trail -> log group -> metric filter -> alarm -> SNS topic -> subscriber."""

from __future__ import annotations

import pytest

from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one, statuses
from tests.support.monitoring import (
    CONTROL_IDS,
    LOG_GROUP,
    NAMESPACE,
    add_alarm,
    add_filter,
    audit_many,
    full_chain,
    make_pending,
    make_topic,
    make_trail,
    only_failure,
)
from tests.support.trails import client
from wizard.audit.findings import Status
from wizard.monitoring.coverage import CIS_FILTER_PATTERNS


# -- the complete chain passes ----------------------------------------------------------------------------
@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_complete_chain_passes(ctx, control_id: str) -> None:
    account = full_chain([control_id])
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.PASS
    alarm = f"arn:aws:cloudwatch:{HOME}:{ACCOUNT_ID}:alarm:cis-{control_id}-alarm"
    assert statuses(finding) == {alarm: Status.PASS}
    (row,) = finding.resources
    assert row.region == HOME
    assert account.topic in row.reason
    assert f"{NAMESPACE}/cis-{control_id}" in row.reason
    assert "1 confirmed subscriber" in row.reason


def test_all_fourteen_controls_pass_in_one_audit_and_share_reads(ctx) -> None:
    full_chain(CONTROL_IDS)
    findings = audit_many(ctx, CONTROL_IDS)
    assert {c: f.status for c, f in findings.items()} == dict.fromkeys(CONTROL_IDS, Status.PASS)
    calls = ctx.counter.by_operation
    assert calls["cloudwatch-logs:DescribeMetricFilters"] == 1  # one log group, read once for 14 checks
    assert calls["cloudwatch:DescribeAlarms"] == 1
    assert calls["sns:ListSubscriptionsByTopic"] == 1


def test_evidence_names_every_read_of_the_chain(ctx) -> None:
    account = full_chain(["3.1"])
    finding = audit_one(ctx, "3.1")
    assert finding.status is Status.PASS
    by_operation = {e.operation: e for e in finding.evidence}
    assert {
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "logs:DescribeMetricFilters",
        "cloudwatch:DescribeAlarms",
        "sns:ListSubscriptionsByTopic",
    } <= set(by_operation)
    assert all(e.cli.startswith("aws ") for e in finding.evidence)
    filters = by_operation["logs:DescribeMetricFilters"]
    assert filters.cli.startswith("aws logs describe-metric-filters")
    assert f"--log-group-name {account.log_group}" in filters.cli
    assert filters.region == HOME
    subscriptions = by_operation["sns:ListSubscriptionsByTopic"]
    assert subscriptions.cli.startswith("aws sns list-subscriptions-by-topic")
    assert account.topic in subscriptions.cli
    assert by_operation["cloudwatch:DescribeAlarms"].cli.startswith("aws cloudwatch describe-alarms")


def test_chain_in_the_trails_other_home_region_passes(ctx) -> None:
    account = full_chain(["3.7"], region=OTHER)
    finding = audit_one(ctx, "3.7")
    assert finding.status is Status.PASS
    assert [r.region for r in finding.resources] == [OTHER]
    assert account.topic.startswith(f"arn:aws:sns:{OTHER}:")
    filters = next(e for e in finding.evidence if e.operation == "logs:DescribeMetricFilters")
    assert filters.region == OTHER


# -- no usable trail ----------------------------------------------------------------------------------------
def test_every_control_fails_without_any_trail(ctx) -> None:
    findings = audit_many(ctx, CONTROL_IDS)
    for control_id in CONTROL_IDS:
        failing = only_failure(findings[control_id])
        assert (failing.id, failing.region, failing.reason) == (
            "cloudtrail",
            HOME,
            "the account has no CloudTrail trail",
        ), control_id


NO_USABLE_TRAIL = "no multi-region trail that is logging all management events sends to CloudWatch Logs"


def test_fails_when_trail_is_not_multi_region(ctx) -> None:
    make_trail(multi_region=False)
    topic = make_topic()
    add_alarm(add_filter("cis-3.1", CIS_FILTER_PATTERNS["3.1"]), [topic])
    failing = only_failure(audit_one(ctx, "3.1"))
    assert (failing.id, failing.reason) == ("cloudtrail", NO_USABLE_TRAIL)


def test_fails_when_trail_is_not_logging(ctx) -> None:
    make_trail(start=False)
    topic = make_topic()
    add_alarm(add_filter("cis-3.9", CIS_FILTER_PATTERNS["3.9"]), [topic])
    failing = only_failure(audit_one(ctx, "3.9"))
    assert failing.reason == NO_USABLE_TRAIL


def test_fails_when_trail_records_only_write_events(ctx) -> None:
    full_chain(["3.2"])
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
    )
    failing = only_failure(audit_one(ctx, "3.2"))
    assert failing.reason == NO_USABLE_TRAIL


def test_fails_when_trail_does_not_send_to_cloudwatch_logs(ctx) -> None:
    client("s3").create_bucket(Bucket="plain-trail-logs")
    client("cloudtrail").create_trail(Name="plain", S3BucketName="plain-trail-logs", IsMultiRegionTrail=True)
    client("cloudtrail").start_logging(Name="plain")
    failing = only_failure(audit_one(ctx, "3.4"))
    assert failing.reason == NO_USABLE_TRAIL


def test_filter_on_another_log_group_does_not_count(ctx) -> None:
    make_trail()
    client("logs").create_log_group(logGroupName="application-logs")
    topic = make_topic()
    add_alarm(add_filter("cis-3.1", CIS_FILTER_PATTERNS["3.1"], log_group="application-logs"), [topic])
    failing = only_failure(audit_one(ctx, "3.1"))
    assert (failing.id, failing.region) == (f"log-group:{LOG_GROUP}", HOME)
    assert failing.reason == "no metric filter matches the CIS pattern's events"


# -- broken links in the chain ------------------------------------------------------------------------------
def test_fails_when_filter_has_no_alarm(ctx) -> None:
    make_trail()
    make_topic()
    add_filter("cis-3.3", CIS_FILTER_PATTERNS["3.3"], metric="RootUsage")
    failing = only_failure(audit_one(ctx, "3.3"))
    assert (failing.id, failing.region) == (f"log-group:{LOG_GROUP}", HOME)
    assert failing.reason == f"filter cis-3.3: no alarm watches metric {NAMESPACE}/RootUsage"


def test_fails_when_alarm_watches_same_metric_name_in_another_namespace(ctx) -> None:
    make_trail()
    topic = make_topic()
    metric = add_filter("cis-3.6", CIS_FILTER_PATTERNS["3.6"])
    add_alarm(metric, [topic], namespace="Custom/Other")
    failing = only_failure(audit_one(ctx, "3.6"))
    assert failing.reason == f"filter cis-3.6: no alarm watches metric {NAMESPACE}/cis-3.6"


def test_fails_when_alarm_is_in_another_region_than_the_metric(ctx) -> None:
    make_trail()
    topic = make_topic()
    metric = add_filter("cis-3.6", CIS_FILTER_PATTERNS["3.6"])
    add_alarm(metric, [topic], region=OTHER)
    failing = only_failure(audit_one(ctx, "3.6"))
    assert "no alarm watches metric" in failing.reason


def test_fails_when_alarm_has_no_sns_action(ctx) -> None:
    make_trail()
    metric = add_filter("cis-3.8", CIS_FILTER_PATTERNS["3.8"])
    add_alarm(metric, [], name="bucket-policy-changes")
    failing = only_failure(audit_one(ctx, "3.8"))
    assert failing.reason == "filter cis-3.8: alarm bucket-policy-changes has no SNS action"


def test_fails_when_topic_has_no_subscribers(ctx) -> None:
    make_trail()
    topic = make_topic(subscribe=False)
    add_alarm(add_filter("cis-3.12", CIS_FILTER_PATTERNS["3.12"]), [topic])
    finding = audit_one(ctx, "3.12")
    failing = only_failure(finding)
    assert failing.reason == f"filter cis-3.12: topic {topic} has no confirmed subscribers"
    listing = next(e for e in finding.evidence if e.operation == "sns:ListSubscriptionsByTopic")
    assert listing.response["Subscriptions"] == []


def test_passes_with_topic_in_another_region(ctx) -> None:
    make_trail()
    topic = make_topic(OTHER)
    add_alarm(add_filter("cis-3.11", CIS_FILTER_PATTERNS["3.11"]), [topic])
    finding = audit_one(ctx, "3.11")
    assert finding.status is Status.PASS
    assert finding.resources[0].region == HOME
    listing = next(e for e in finding.evidence if e.operation == "sns:ListSubscriptionsByTopic")
    assert listing.region == OTHER


def test_fails_when_topic_has_only_pending_subscriptions(ctx) -> None:
    make_trail()
    topic = make_topic(subscribe=False)
    make_pending(topic)
    listed = client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    add_alarm(add_filter("cis-3.13", CIS_FILTER_PATTERNS["3.13"]), [topic])
    finding = audit_one(ctx, "3.13")
    failing = only_failure(finding)
    assert failing.reason == (
        f"filter cis-3.13: only pending subscriptions: the subscription of nobody@example.com to {topic} "
        "is pending confirmation"
    )
    # The summary every output shows says that a person must act, and what to do.
    assert finding.summary == (
        f"Waiting for a person: the subscription of nobody@example.com to {topic} is pending confirmation. "
        "Confirm it (the link in AWS's e-mail), then verify again."
    )


def test_passes_when_one_of_several_subscriptions_is_confirmed(ctx) -> None:
    make_trail()
    topic = make_topic()
    make_pending(topic)
    add_alarm(add_filter("cis-3.13", CIS_FILTER_PATTERNS["3.13"]), [topic])
    finding = audit_one(ctx, "3.13")
    assert finding.status is Status.PASS
    assert "1 confirmed subscriber" in finding.resources[0].reason


def test_passes_when_a_second_alarm_on_the_metric_reaches_a_subscriber(ctx) -> None:
    make_trail()
    silent = make_topic(subscribe=False, name="silent")
    topic = make_topic()
    metric = add_filter("cis-3.14", CIS_FILTER_PATTERNS["3.14"])
    add_alarm(metric, [silent], name="a-silent-alarm")
    alarm = add_alarm(metric, [topic], name="b-vpc-changes")
    finding = audit_one(ctx, "3.14")
    assert finding.status is Status.PASS
    assert statuses(finding) == {alarm: Status.PASS}


# -- filters matched by meaning -----------------------------------------------------------------------------
PATTERN_VARIANTS = [
    pytest.param(
        "3.3",
        "{ $.userIdentity.type = 'Root' && $.userIdentity.invokedBy NOT EXISTS && $.eventType != 'AwsServiceEvent' }",
        id="3.3-single-quotes",
    ),
    pytest.param(
        "3.3",
        "{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS && $.eventType != AwsServiceEvent }",
        id="3.3-unquoted-after-shell-quoting",
    ),
    pytest.param(
        "3.5",
        "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || "
        "($.eventName=StartLogging) || ($.eventName=StopLogging)}",
        id="3.5-security-hub-spacing",
    ),
    pytest.param(
        "3.5",
        '{ ($.eventName = "StopLogging") || ($.eventName = "StartLogging") || ($.eventName = "DeleteTrail") '
        '|| ($.eventName = "UpdateTrail") || ($.eventName = "CreateTrail") }',
        id="3.5-quoted-reordered",
    ),
    pytest.param(
        "3.8",
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) "
        "|| ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || "
        "($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || "
        "($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || "
        "($.eventName = DeleteBucketReplication)) }",
        id="3.8-later-publisher",
    ),
]


@pytest.mark.parametrize(("control_id", "pattern"), PATTERN_VARIANTS)
def test_pattern_variants_from_other_publishers_pass(ctx, control_id: str, pattern: str) -> None:
    full_chain([control_id], patterns={control_id: pattern})
    assert audit_one(ctx, control_id).status is Status.PASS


def test_one_filter_combining_3_10_and_3_11_covers_both(ctx) -> None:
    make_trail()
    topic = make_topic()
    combined = (
        "{ "
        + CIS_FILTER_PATTERNS["3.10"].strip()[1:-1].strip()
        + " || "
        + CIS_FILTER_PATTERNS["3.11"].strip()[1:-1].strip()
        + " }"
    )
    alarm = add_alarm(add_filter("network-changes", combined), [topic])
    findings = audit_many(ctx, ["3.10", "3.11", "3.12"])
    assert findings["3.10"].status is Status.PASS
    assert findings["3.11"].status is Status.PASS
    assert statuses(findings["3.10"]) == statuses(findings["3.11"]) == {alarm: Status.PASS}
    assert findings["3.12"].status is Status.FAIL


def test_3_5_pattern_without_stop_logging_fails_naming_it(ctx) -> None:
    pattern = (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) }"
    )
    account = full_chain(["3.1", "3.4", "3.5"], patterns={"3.5": pattern})
    finding = audit_one(ctx, "3.5")
    failing = only_failure(finding)
    assert (failing.id, failing.region) == (account.resource, HOME)
    assert failing.reason == "filter cis-3.5 misses StopLogging"


def test_malformed_pattern_is_reported_not_a_crash(ctx) -> None:
    account = full_chain(["3.7"], patterns={"3.7": "{ ($.eventSource = kms.amazonaws.com) && ("})
    finding = audit_one(ctx, "3.7")
    failing = only_failure(finding)
    assert failing.id == account.resource
    assert failing.reason.startswith("filter cis-3.7: pattern does not parse (")
    assert finding.error_code is None


def test_malformed_pattern_beside_a_good_one_does_not_hide_the_pass(ctx) -> None:
    full_chain(["3.7"])
    add_filter("broken", "{ $.eventName = ")
    assert audit_one(ctx, "3.7").status is Status.PASS


def test_catch_all_filter_does_not_cover_a_control(ctx) -> None:
    full_chain(["3.1"], patterns={"3.1": "{ $.eventName = * }"})
    failing = only_failure(audit_one(ctx, "3.1"))
    assert "cis-3.1" in failing.reason
    assert "unrelated events" in failing.reason


def test_unrelated_filters_are_not_blamed(ctx) -> None:
    """Filters for other controls are not listed as 'missing' everything the failing control needs."""
    full_chain(["3.1", "3.2", "3.6", "3.7"])
    failing = only_failure(audit_one(ctx, "3.5"))
    assert failing.reason == "no metric filter matches the CIS pattern's events"
