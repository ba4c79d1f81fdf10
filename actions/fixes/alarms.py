"""3.1-3.14: a metric filter with the CIS pattern on the compliant trail's log group, an alarm on its metric,
and an SNS topic with a subscriber. One plan for all of them: they share the topic."""

from __future__ import annotations

from typing import Any

from actions.fixes.trail_target import log_group_of, main_trail
from actions.registry import FixContext, register_fix
from wizard.cis_filters import CIS_FILTER_PATTERNS
from wizard.cis_filters import CIS_METRIC_NAMES as METRIC_NAMES
from wizard.errors import AwsReadError
from wizard.plans import ApiCall, Plan

NAMESPACE = "CISBenchmark"
MONITORING_CONTROLS = tuple(f"3.{n}" for n in range(1, 15))


def _confirmed(subscriptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in subscriptions if str(s.get("SubscriptionArn", "")).startswith("arn:")]


def _topic_with_subscribers(fix: FixContext, region: str, preferred: str) -> str | None:
    """An existing topic in `region` that already reaches someone, our own name first."""
    topics = [t["TopicArn"] for t in fix.inventory.fetch("sns", "ListTopics", region, "Topics")]
    topics.sort(key=lambda arn: arn.rsplit(":", 1)[-1] != preferred)
    for arn in topics:
        if _confirmed(fix.inventory.topic_subscriptions(arn)):
            return arn
    return None


@register_fix("cis-alarms", MONITORING_CONTROLS, requires=("cloudtrail", "cloudtrail-logs"))
def alarms_plan(fix: FixContext) -> Plan:
    title = "Metric filters and alarms for CIS 3.1-3.14, notifying an SNS topic"
    try:
        failing = fix.failing(MONITORING_CONTROLS)
        if not failing:
            return Plan("cis-alarms", MONITORING_CONTROLS, title, ())
        log_group, region = log_group_of(main_trail(fix), fix)
        topic_name = fix.options.name("alarms")
        topic_arn = _topic_with_subscribers(fix, region, topic_name)
    except AwsReadError as error:
        return Plan("cis-alarms", MONITORING_CONTROLS, title, (), refused=f"cannot read: {error.reason}")
    steps: list[ApiCall] = []
    notes: list[str] = []
    if topic_arn is None:
        endpoint = fix.options.alarm_endpoint
        if not endpoint:
            return Plan(
                "cis-alarms",
                MONITORING_CONTROLS,
                title,
                (),
                refused="needs an address for the alarms: --alarm-email (or --alarm-protocol/--alarm-endpoint)",
            )
        topic_arn = fix.arn("sns", topic_name, region)
        steps += [
            ApiCall("topic", "sns", "CreateTopic", {"Name": topic_name}, region, "create the topic the alarms notify"),
            ApiCall(
                "subscribe",
                "sns",
                "Subscribe",
                {"TopicArn": topic_arn, "Protocol": fix.options.alarm_protocol, "Endpoint": endpoint},
                region,
                f"send the alarms to {endpoint}",
            ),
        ]
        if fix.options.alarm_protocol.startswith("email"):
            notes.append(f"AWS e-mails {endpoint} a confirmation link: the alarms reach nobody until it is clicked.")
    else:
        notes.append(f"Reuses {topic_arn}, which already has a confirmed subscriber.")
    for control_id in failing:
        metric = METRIC_NAMES[control_id]
        name = fix.options.name(f"{control_id.replace('.', '-')}-{metric}")
        steps += [
            ApiCall(
                f"filter-{control_id}",
                "logs",
                "PutMetricFilter",
                {
                    "logGroupName": log_group,
                    "filterName": name,
                    "filterPattern": CIS_FILTER_PATTERNS[control_id],
                    "metricTransformations": [{"metricName": metric, "metricNamespace": NAMESPACE, "metricValue": "1"}],
                },
                region,
                f"count {control_id} events in {log_group}",
            ),
            ApiCall(
                f"alarm-{control_id}",
                "cloudwatch",
                "PutMetricAlarm",
                {
                    "AlarmName": name,
                    "AlarmDescription": f"CIS AWS Foundations {control_id}",
                    "MetricName": metric,
                    "Namespace": NAMESPACE,
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 1.0,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [topic_arn],
                },
                region,
                f"alarm on any {control_id} event",
            ),
        ]
    undo = [
        ApiCall(
            "delete-alarms",
            "cloudwatch",
            "DeleteAlarms",
            {"AlarmNames": [s.params["AlarmName"] for s in steps if s.operation == "PutMetricAlarm"]},
            region,
            "delete the new alarms",
        ),
        *(
            ApiCall(
                f"delete-{s.id}",
                "logs",
                "DeleteMetricFilter",
                {"logGroupName": log_group, "filterName": s.params["filterName"]},
                region,
                "delete the metric filter",
            )
            for s in steps
            if s.operation == "PutMetricFilter"
        ),
    ]
    return Plan(
        "cis-alarms",
        MONITORING_CONTROLS,
        title,
        tuple(steps),
        ("cloudtrail", "cloudtrail-logs"),
        tuple(undo),
        notes=tuple(notes),
    )
