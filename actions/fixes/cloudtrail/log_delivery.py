"""2.2 and 2.4: every trail validates its log files and sends them to CloudWatch Logs (where 3.x looks)."""

from __future__ import annotations

from actions.fixes.aws_resources import SERVICE_ROLE_PERMISSIONS, log_group_exists, service_role_steps
from actions.fixes.trail_target import TrailTarget, all_trails, cloudtrail_log_group, register_trail_fix
from actions.registry import FixContext, PlanDraft
from wizard.aws.policy_documents import policy_json
from wizard.plans.model import ApiCall


# -- 2.2 ---------------------------------------------------------------------------------------------------
def _validation(step_id: str, target: TrailTarget, enabled: bool, purpose: str) -> ApiCall:
    params = {"Name": target.arn, "EnableLogFileValidation": enabled}
    return ApiCall(step_id, "cloudtrail", "UpdateTrail", params, target.region, purpose)


@register_trail_fix(
    "trail-validation",
    ("2.2",),
    title="Log file validation on every trail",
    permissions=("cloudtrail:UpdateTrail",),
)
def trail_validation_plan(fix: FixContext) -> PlanDraft:
    targets = [t for t in all_trails(fix) if not t.validation_enabled]
    steps = [
        _validation(f"validate-{i}", t, True, f"turn on log file validation for {t.name}")
        for i, t in enumerate(targets)
    ]
    undo = [
        _validation(f"unvalidate-{i}", t, False, f"turn validation off again for {t.name}")
        for i, t in enumerate(targets)
    ]
    return PlanDraft(steps, undo=undo)


# -- 2.4 ---------------------------------------------------------------------------------------------------
def cloudtrail_logs_role(fix: FixContext) -> str:
    return fix.options.name("cloudtrail-to-cloudwatch")


def _delivery_role_steps(fix: FixContext, log_group: str, regions: list[str]) -> list[ApiCall]:
    """The role CloudTrail assumes to write to the log group in each of `regions` (made or completed)."""
    resources = [fix.arn("logs", f"log-group:{log_group}:log-stream:*", r) for r in regions]
    permissions = policy_json(
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": resources}
    )
    return service_role_steps(
        fix,
        "trail-logs",
        cloudtrail_logs_role(fix),
        "cloudtrail.amazonaws.com",
        permissions,
        "CloudTrail delivery to CloudWatch Logs",
    )


def _send_to_log_group(fix: FixContext, index: int, target: TrailTarget, log_group: str) -> ApiCall:
    return ApiCall(
        f"send-{index}",
        "cloudtrail",
        "UpdateTrail",
        {
            "Name": target.arn,
            "CloudWatchLogsLogGroupArn": fix.arn("logs", f"log-group:{log_group}:*", target.region),
            "CloudWatchLogsRoleArn": fix.arn("iam", f"role/{cloudtrail_logs_role(fix)}"),
        },
        target.region,
        f"send {target.name} to CloudWatch Logs",
    )


@register_trail_fix(
    "cloudtrail-logs",
    ("2.4",),
    title="Send every trail to CloudWatch Logs",
    permissions=(
        *SERVICE_ROLE_PERMISSIONS,
        "logs:DescribeLogGroups",
        "logs:CreateLogGroup",
        "cloudtrail:UpdateTrail",
    ),
)
def cloudtrail_logs_plan(fix: FixContext) -> PlanDraft:
    targets = [t for t in all_trails(fix) if not t.log_group_arn]
    log_group = cloudtrail_log_group(fix)
    if not targets:
        return PlanDraft()
    regions = sorted({t.region for t in targets})
    steps = _delivery_role_steps(fix, log_group, regions)
    steps += [
        ApiCall(
            f"log-group-{region}",
            "logs",
            "CreateLogGroup",
            {"logGroupName": log_group},
            region,
            f"create the log group {log_group} in {region}",
        )
        for region in regions
        if not log_group_exists(fix, log_group, region)
    ]
    steps += [_send_to_log_group(fix, index, target, log_group) for index, target in enumerate(targets)]
    notes = ("CloudTrail delivers to the log group within minutes; 3.x alarms use this log group.",)
    return PlanDraft(steps, notes=notes, extra_actions=("iam:PassRole",))
