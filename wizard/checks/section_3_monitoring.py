"""Section 3: Monitoring (3.1-3.14): a metric filter, by meaning, on a compliant trail's log group, watched
by an alarm that notifies an SNS topic with a confirmed subscriber."""

from __future__ import annotations

import dataclasses

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.checks.registry import each_region, register
from wizard.checks.section_2_logging import trail_is_compliant
from wizard.collectors.inventory import Inventory, unique_trails
from wizard.collectors.logging_reads import Trail, log_group_name_and_region
from wizard.errors import AwsReadError
from wizard.monitoring.coverage import CONTROL_SAMPLES, FilterCoverage, evaluate_filter
from wizard.monitoring.subscriptions import is_confirmed, is_pending

PENDING = "only pending subscriptions"
WAITING_FOR_A_PERSON = "Waiting for a person:"


def waits_for_a_person(finding: Finding) -> bool:
    """A FAIL whose only missing piece is a person's act (an e-mail subscription to confirm)."""
    return finding.status is Status.FAIL and finding.summary.startswith(WAITING_FOR_A_PERSON)


def _alarm_chain(inv: Inventory, region: str, metric: tuple[str, str], builder: FindingBuilder) -> str | None:
    """Adds a PASS row for each alarm on `metric` that reaches a confirmed subscriber; else says what is missing."""
    name, namespace = metric
    alarms = [a for a in inv.metric_alarms(region) if a.get("MetricName") == name and a.get("Namespace") == namespace]
    if not alarms:
        return f"no alarm watches metric {namespace}/{name}"
    problems = []
    for alarm in alarms:
        topics = [arn for arn in alarm.get("AlarmActions", []) if arn.split(":")[2:3] == ["sns"]]
        if alarm.get("ActionsEnabled") is False:
            problems.append(f"alarm {alarm['AlarmName']} has its actions disabled")
            continue
        if not topics:
            problems.append(f"alarm {alarm['AlarmName']} has no SNS action")
            continue
        for topic in topics:
            subscriptions = inv.topic_subscriptions(topic)
            confirmed = [s for s in subscriptions if is_confirmed(s)]
            if confirmed:
                builder.passed(
                    alarm.get("AlarmArn", alarm["AlarmName"]),
                    region,
                    f"metric {namespace}/{name} -> alarm {alarm['AlarmName']} -> {topic} "
                    f"({len(confirmed)} confirmed subscriber(s))",
                )
                return None
            pending = sorted({str(s.get("Endpoint")) for s in subscriptions if is_pending(s)})
            if pending:
                who = ", ".join(pending)
                problems.append(f"{PENDING}: the subscription of {who} to {topic} is pending confirmation")
            else:
                problems.append(f"topic {topic} has no confirmed subscribers")
    return "; ".join(problems)


def _listed(labels: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _coverage_problem(control_id: str, name: str, coverage: FilterCoverage) -> str | None:
    """Why a filter that parses falls short of the control, or None when it is about other events entirely."""
    if len(coverage.missing) == len(CONTROL_SAMPLES[control_id].positives):
        return None  # matches none of this control's events: a filter for another control or purpose
    if coverage.missing:
        return f"filter {name} misses {_listed(coverage.missing)}"
    return f"filter {name} is too broad: it also matches unrelated events ({_listed(coverage.overbroad, 3)})"


def _check_log_group(control_id: str, inv: Inventory, trail: Trail, builder: FindingBuilder) -> None:
    assert trail.log_group_arn
    log_group, region = log_group_name_and_region(trail.log_group_arn)
    resource = f"log-group:{log_group}"
    try:
        filters = inv.metric_filters(region, log_group)
    except AwsReadError as error:
        builder.add(resource, region, Status.ERROR, error.reason)
        return
    problems: list[str] = []
    for metric_filter in filters:
        coverage = evaluate_filter(control_id, metric_filter.get("filterPattern", ""))
        name = metric_filter.get("filterName", "?")
        if coverage.error:
            problems.append(f"filter {name}: pattern does not parse ({coverage.error})")
            continue
        if not coverage.covers:
            problem = _coverage_problem(control_id, name, coverage)
            if problem:
                problems.append(problem)
            continue
        for transformation in metric_filter.get("metricTransformations", []):
            metric = (transformation.get("metricName", ""), transformation.get("metricNamespace", ""))
            try:
                problem = _alarm_chain(inv, region, metric, builder)
            except AwsReadError as error:
                builder.add(resource, region, Status.ERROR, error.reason)
                return
            if problem is None:
                return
            problems.append(f"filter {name}: {problem}")
    if not problems:
        problems.append("no metric filter matches the CIS pattern's events")
    builder.failed(resource, region, "; ".join(problems))


def monitoring_check(inv: Inventory, builder: FindingBuilder) -> Finding:
    """The metric filter -> alarm -> confirmed subscriber chain for the builder's control, on every usable trail."""
    trails = unique_trails(t for _, ts in each_region(inv, inv.trails, builder) for t in ts)
    usable = [t for t in trails if trail_is_compliant(t)[0] and t.log_group_arn]
    if not usable:
        why = (
            "no multi-region trail that is logging all management events sends to CloudWatch Logs"
            if trails
            else "the account has no CloudTrail trail"
        )
        builder.failed("cloudtrail", inv.home_region, why)
    for trail in usable:
        _check_log_group(builder.control_id, inv, trail, builder)
    finding = builder.build(
        passed="A metric filter and alarm with a confirmed subscriber exist.",
        failed="No complete metric filter -> alarm -> subscribed topic chain.",
        any_passes=True,
    )
    failing = finding.failing()
    if finding.status is Status.FAIL and failing and all(PENDING in r.reason for r in failing):
        # A person must act, not the wizard: say what, as the summary every output shows.
        pending = failing[0].reason.split(PENDING + ": ", 1)[-1].split(";")[0]
        summary = f"{WAITING_FOR_A_PERSON} {pending}. Confirm it (the link in AWS's e-mail), then verify again."
        finding = dataclasses.replace(finding, summary=summary)
    return finding


# One check per control, each the same chain for its own filter pattern (wizard/data/monitoring.json).
@register("3.1", regional_reads=("trails",))
def unauthorized_api_calls(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.2", regional_reads=("trails",))
def console_sign_in_without_mfa(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.3", regional_reads=("trails",))
def root_account_usage(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.4", regional_reads=("trails",))
def iam_policy_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.5", regional_reads=("trails",))
def cloudtrail_configuration_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.6", regional_reads=("trails",))
def console_authentication_failures(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.7", regional_reads=("trails",))
def cmk_disabled_or_scheduled_for_deletion(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.8", regional_reads=("trails",))
def s3_bucket_policy_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.9", regional_reads=("trails",))
def aws_config_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.10", regional_reads=("trails",))
def security_group_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.11", regional_reads=("trails",))
def network_acl_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.12", regional_reads=("trails",))
def network_gateway_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.13", regional_reads=("trails",))
def route_table_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)


@register("3.14", regional_reads=("trails",))
def vpc_changes(inv: Inventory, builder: FindingBuilder) -> Finding:
    return monitoring_check(inv, builder)
