"""Section 3's chain seeded in moto: a trail to CloudWatch Logs, metric filters, alarms on their metrics, an SNS
topic and its subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.sns.models import sns_backends

from tests.support import trails
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.trails import client, log_group_and_role, make_bucket
from wizard.audit.findings import Finding, ResourceResult, Status
from wizard.audit.run import run_audit
from wizard.aws.context import AwsContext
from wizard.catalog import load_catalog
from wizard.monitoring.coverage import CIS_FILTER_PATTERNS
from wizard.monitoring.filter_pattern import parse_filter_pattern

CONTROL_IDS = list(CIS_FILTER_PATTERNS)
NAMESPACE = "CISBenchmark"
LOG_GROUP = "cloudtrail-logs"


@dataclass(frozen=True)
class Account:
    """What the setup built: the names the findings should mention."""

    region: str
    log_group: str
    topic: str

    @property
    def resource(self) -> str:
        return f"log-group:{self.log_group}"


def make_trail(
    region: str = HOME,
    *,
    name: str = "org-trail",
    multi_region: bool = True,
    start: bool = True,
    log_group: str = LOG_GROUP,
) -> str:
    """A trail homed in `region` that sends to a new log group there; returns the log group name."""
    bucket = make_bucket(f"{name}-{region}-logs", region)
    trails.make_trail(name, region, multi_region=multi_region, start=start, bucket=bucket)
    group_arn, role = log_group_and_role(log_group, region, role=f"{name}-{region}-to-logs")
    client("cloudtrail", region).update_trail(
        Name=name, CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn=role
    )
    return log_group


def make_topic(region: str = HOME, *, subscribe: bool = True, name: str = "cis-alarms") -> str:
    sns = client("sns", region)
    topic = sns.create_topic(Name=name)["TopicArn"]
    if subscribe:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    return topic


def make_pending(topic: str, region: str = HOME) -> None:
    """Seed a subscription the way AWS lists one whose e-mail was never confirmed.

    moto confirms e-mail subscriptions at once, so the backend object is given AWS's pending marker.
    """
    arn = client("sns", region).subscribe(TopicArn=topic, Protocol="email", Endpoint="nobody@example.com")[
        "SubscriptionArn"
    ]
    backend = sns_backends[ACCOUNT_ID][region]
    subscription = backend.subscriptions.pop(arn)
    subscription.arn = "PendingConfirmation"
    subscription.attributes["PendingConfirmation"] = "true"
    subscription.attributes["SubscriptionArn"] = "PendingConfirmation"
    backend.subscriptions[subscription.arn] = subscription


def add_filter(
    name: str,
    pattern: str,
    *,
    region: str = HOME,
    log_group: str = LOG_GROUP,
    metric: str | None = None,
    namespace: str = NAMESPACE,
) -> str:
    metric = metric or name
    client("logs", region).put_metric_filter(
        logGroupName=log_group,
        filterName=name,
        filterPattern=pattern,
        metricTransformations=[{"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}],
    )
    return metric


def add_alarm(
    metric: str,
    actions: list[str],
    *,
    region: str = HOME,
    namespace: str = NAMESPACE,
    name: str | None = None,
) -> str:
    name = name or f"{metric}-alarm"
    client("cloudwatch", region).put_metric_alarm(
        AlarmName=name,
        MetricName=metric,
        Namespace=namespace,
        Statistic="Sum",
        Period=300,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        EvaluationPeriods=1,
        AlarmActions=actions,
    )
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:{name}"


def full_chain(
    control_ids: list[str],
    *,
    region: str = HOME,
    patterns: dict[str, str] | None = None,
) -> Account:
    """The benchmark's remediation: trail to CloudWatch Logs, a filter and an alarm per control, one topic."""
    log_group = make_trail(region)
    topic = make_topic(region)
    for control_id in control_ids:
        pattern = (patterns or {}).get(control_id, CIS_FILTER_PATTERNS[control_id])
        metric = add_filter(f"cis-{control_id}", pattern, region=region)
        add_alarm(metric, [topic], region=region)
    return Account(region, log_group, topic)


def audit_many(ctx: AwsContext, control_ids: list[str]) -> dict[str, Finding]:
    catalog = load_catalog()
    result = run_audit(ctx, [catalog.get(c) for c in control_ids], ctx.resolve_regions())
    return {r.control.id: r.finding for r in result.results}


def only_failure(finding: Finding) -> ResourceResult:
    assert finding.status is Status.FAIL
    (failing,) = finding.failing()
    return failing


def matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether the CloudWatch Logs filter `pattern` matches the event."""
    return parse_filter_pattern(pattern).matches(event)
