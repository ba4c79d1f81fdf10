"""3.1-3.14: a metric filter with the CIS pattern on the compliant trail's log group, an alarm on its metric,
and an SNS topic with a subscriber. One plan for all of them: they share the topic.

What exists is reused: a topic that already reaches someone, else our own topic (made by an earlier run,
perhaps with a subscription still waiting for its e-mail to be confirmed); a filter or alarm of ours that is
already as this plan would put it is not put again. So once the only thing missing is a person clicking the
confirmation link, the plan has nothing to do, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.fixes.trail_target import log_group_of, main_trail
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.errors import AwsReadError
from wizard.monitoring.definitions import CIS_FILTER_PATTERNS
from wizard.monitoring.definitions import CIS_METRIC_NAMES as METRIC_NAMES
from wizard.monitoring.subscriptions import is_confirmed
from wizard.plans.model import ApiCall

# The controls this one plan fixes (their patterns and metric names: wizard/data/monitoring.json).
MONITORING_CONTROLS = (
    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"
)  # fmt: skip
NAMESPACE = "CISBenchmark"
NEEDS_ENDPOINT = "needs an address for the alarms: --alarm-email (or --alarm-protocol/--alarm-endpoint)"


@dataclass(frozen=True)
class TopicChoice:
    arn: str
    steps: tuple[ApiCall, ...]  # creating and subscribing, when needed
    note: str


def _topic_with_subscribers(fix: FixContext, region: str, preferred: str) -> str | None:
    """An existing topic in `region` that already reaches someone, our own name first."""
    topics = [t["TopicArn"] for t in fix.inventory.fetch("sns", "ListTopics", region, "Topics")]
    topics.sort(key=lambda arn: arn.rsplit(":", 1)[-1] != preferred)
    for arn in topics:
        if any(is_confirmed(s) for s in fix.inventory.topic_subscriptions(arn)):
            return arn
    return None


def _choose_topic(fix: FixContext, region: str) -> TopicChoice | str:
    """The topic the alarms notify and the steps to make it reach someone, or why it cannot be planned."""
    name = fix.options.name("alarms")
    reaching = _topic_with_subscribers(fix, region, name)
    if reaching is not None:
        return TopicChoice(reaching, (), f"Reuses {reaching}, which already has a confirmed subscriber.")
    arn = fix.arn("sns", name, region)
    ours = any(t["TopicArn"] == arn for t in fix.inventory.fetch("sns", "ListTopics", region, "Topics"))
    endpoint, protocol = fix.options.alarm_endpoint, fix.options.alarm_protocol
    pending = [
        s for s in (fix.inventory.topic_subscriptions(arn) if ours else []) if not endpoint or s["Endpoint"] == endpoint
    ]
    if pending:
        who = ", ".join(sorted({str(s.get("Endpoint")) for s in pending}))
        return TopicChoice(
            arn,
            (),
            f"The subscription of {who} to {arn} is pending confirmation: the alarms reach nobody until the "
            "link in AWS's e-mail is clicked. Confirm it, then verify again.",
        )
    if not endpoint:
        return NEEDS_ENDPOINT
    steps = [] if ours else [ApiCall("topic", "sns", "CreateTopic", {"Name": name}, region, "create the alarms' topic")]
    steps.append(
        ApiCall(
            "subscribe",
            "sns",
            "Subscribe",
            {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint},
            region,
            f"send the alarms to {endpoint}",
        )
    )
    note = (
        f"AWS e-mails {endpoint} a confirmation link: the alarms reach nobody until it is clicked."
        if protocol.startswith("email")
        else f"The alarms go to {endpoint} ({protocol})."
    )
    return TopicChoice(arn, tuple(steps), note)


def _filters_now(fix: FixContext, region: str, log_group: str) -> list[dict[str, Any]]:
    """The log group's metric filters; none when an earlier plan of this run creates the log group."""
    if fix.earlier.find("logs", "CreateLogGroup", region, logGroupName=log_group):
        return []
    try:
        return fix.inventory.metric_filters(region, log_group)
    except AwsReadError as error:
        if error.code == "ResourceNotFoundException":
            return []
        raise


def _filter_params(fix: FixContext, control_id: str, log_group: str) -> dict[str, Any]:
    metric = METRIC_NAMES[control_id]
    return {
        "logGroupName": log_group,
        "filterName": fix.options.name(f"{control_id.replace('.', '-')}-{metric}"),
        "filterPattern": CIS_FILTER_PATTERNS[control_id],
        "metricTransformations": [{"metricName": metric, "metricNamespace": NAMESPACE, "metricValue": "1"}],
    }


def _alarm_params(control_id: str, name: str, topic_arn: str) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmDescription": f"CIS AWS Foundations {control_id}",
        "MetricName": METRIC_NAMES[control_id],
        "Namespace": NAMESPACE,
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic_arn],
    }


def _filter_in_place(existing: list[dict[str, Any]], wanted: dict[str, Any]) -> bool:
    return any(
        f.get("filterName") == wanted["filterName"]
        and f.get("filterPattern") == wanted["filterPattern"]
        and [
            {k: t.get(k) for k in ("metricName", "metricNamespace", "metricValue")} for t in f["metricTransformations"]
        ]
        == wanted["metricTransformations"]
        for f in existing
        if f.get("metricTransformations")
    )


def _alarm_in_place(existing: list[dict[str, Any]], wanted: dict[str, Any]) -> bool:
    return any(
        a.get("AlarmName") == wanted["AlarmName"]
        and all(a.get(k) == v for k, v in wanted.items() if k != "AlarmActions")
        and wanted["AlarmActions"][0] in a.get("AlarmActions", [])
        and a.get("ActionsEnabled", True)
        for a in existing
    )


@dataclass(frozen=True)
class _Existing:
    """The log group's metric filters and the region's alarms, as they are before this plan."""

    filters: list[dict[str, Any]]
    alarms: list[dict[str, Any]]


def _control_steps(
    fix: FixContext, control_id: str, region: str, log_group: str, topic: TopicChoice, existing: _Existing
) -> list[ApiCall]:
    """The metric filter and alarm of one control, each unless it is already as this plan would put it."""
    wanted_filter = _filter_params(fix, control_id, log_group)
    wanted_alarm = _alarm_params(control_id, wanted_filter["filterName"], topic.arn)
    topic_steps = tuple(s.id for s in topic.steps)
    steps: list[ApiCall] = []
    if not _filter_in_place(existing.filters, wanted_filter):
        purpose = f"count {control_id} events in {log_group}"
        steps.append(
            ApiCall(f"filter-{control_id}", "logs", "PutMetricFilter", wanted_filter, region, purpose, after=())
        )
    if not _alarm_in_place(existing.alarms, wanted_alarm):
        # After the topic (and the filter, when this plan puts it); otherwise independent of the other controls.
        after = (*topic_steps, *(s.id for s in steps))
        purpose = f"alarm on any {control_id} event"
        steps.append(
            ApiCall(f"alarm-{control_id}", "cloudwatch", "PutMetricAlarm", wanted_alarm, region, purpose, after=after)
        )
    return steps


def _undo(steps: list[ApiCall], region: str, log_group: str) -> list[ApiCall]:
    alarms = [s.params["AlarmName"] for s in steps if s.operation == "PutMetricAlarm"]
    delete_alarms = [
        ApiCall("delete-alarms", "cloudwatch", "DeleteAlarms", {"AlarmNames": alarms}, region, "delete the new alarms")
    ]
    return (delete_alarms if alarms else []) + [
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
    ]


@register_fix(
    "cis-alarms",
    MONITORING_CONTROLS,
    title="Metric filters and alarms for CIS 3.1-3.14, notifying an SNS topic",
    requires=("cloudtrail", "cloudtrail-logs"),
    permissions=(
        "sns:ListTopics",
        "sns:ListSubscriptionsByTopic",
        "sns:CreateTopic",
        "sns:Subscribe",
        "logs:DescribeMetricFilters",
        "logs:PutMetricFilter",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
        # undo
        "cloudwatch:DeleteAlarms",
        "logs:DeleteMetricFilter",
    ),
)
def alarms_plan(fix: FixContext) -> PlanDraft:
    failing = fix.failing(MONITORING_CONTROLS)
    if not failing:
        return PlanDraft()
    log_group, region = log_group_of(main_trail(fix), fix)
    topic = _choose_topic(fix, region)
    if isinstance(topic, str):
        return PlanDraft(refused=topic, needs=("alarm_endpoint",), control_ids=failing)
    existing = _Existing(_filters_now(fix, region, log_group), fix.inventory.metric_alarms(region))
    steps = list(topic.steps)
    for control_id in failing:
        steps += _control_steps(fix, control_id, region, log_group, topic, existing)
    return PlanDraft(steps, undo=_undo(steps, region, log_group), notes=(topic.note,), control_ids=failing)
