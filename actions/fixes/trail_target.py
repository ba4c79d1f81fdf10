"""Which trail the CloudTrail fixes work on: the existing one that is (or can be made) compliant, or a new one.

2.1 decides; 2.2-2.4, 2.6, 2.7 and the 3.x alarms must agree with it even before 2.1 has run, so they all
ask this module rather than the inventory directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from actions.registry import Builder, FixContext, RegisteredFix, register_fix
from wizard.checks.section_2_logging import trail_is_compliant
from wizard.collectors.logging_reads import Trail, log_group_name_and_region


@dataclass(frozen=True)
class TrailTarget:
    name: str
    arn: str
    region: str
    bucket: str
    existing: Trail | None  # None: 2.1's plan creates this trail

    @property
    def log_group_arn(self) -> str | None:
        return self.existing.log_group_arn if self.existing else None

    @property
    def kms_key(self) -> str | None:
        return self.existing.info.get("KmsKeyId") if self.existing else None

    @property
    def validation_enabled(self) -> bool:
        # A trail 2.1 creates is created with log file validation on.
        return bool(self.existing.info.get("LogFileValidationEnabled")) if self.existing else True


def default_trail_name(fix: FixContext) -> str:
    return fix.options.name("trail")


def default_trail_bucket(fix: FixContext) -> str:
    from actions.fixes.aws_resources import our_bucket_name

    return fix.options.trail_bucket or our_bucket_name(fix, wanted_trail_bucket(fix))


def wanted_trail_bucket(fix: FixContext) -> str:
    return fix.options.trail_bucket or fix.options.name(f"cloudtrail-{fix.account_id}")


def cloudtrail_log_group(fix: FixContext) -> str:
    return fix.options.log_group or fix.options.name("cloudtrail")


def _target(trail: Trail) -> TrailTarget:
    return TrailTarget(trail.name, trail.arn, trail.home_region, trail.bucket or "", trail)


def _candidate(trails: list[Trail], home_region: str) -> Trail | None:
    """The existing trail 2.1 makes compliant instead of creating another: a multi-region one first."""
    compliant = [t for t in trails if trail_is_compliant(t)[0]]
    if compliant:
        return compliant[0]
    multi_region = [t for t in trails if t.is_multi_region]
    in_home = [t for t in trails if t.home_region == home_region]
    candidates = multi_region or in_home or trails
    return candidates[0] if candidates else None


def main_trail(fix: FixContext) -> TrailTarget:
    """The trail that is compliant after 2.1's plan: existing (kept or made compliant), or the one it creates."""
    trail = _candidate(fix.inventory.all_trails(), fix.home_region)
    if trail is not None:
        return _target(trail)
    name = default_trail_name(fix)
    return TrailTarget(
        name=name,
        arn=fix.arn("cloudtrail", f"trail/{name}", fix.home_region),
        region=fix.home_region,
        bucket=default_trail_bucket(fix),
        existing=None,
    )


def all_trails(fix: FixContext) -> list[TrailTarget]:
    """Every trail after 2.1's plan: the existing ones, plus the one 2.1 creates when there is none."""
    existing = [_target(t) for t in fix.inventory.all_trails()]
    return existing or [main_trail(fix)]


def log_group_of(target: TrailTarget, fix: FixContext) -> tuple[str, str]:
    """(log group name, region) the trail sends to after 2.4's plan."""
    if target.log_group_arn:
        return log_group_name_and_region(target.log_group_arn)
    return cloudtrail_log_group(fix), target.region


# What every fix of a trail reads to find the trails (`all_trails`, `main_trail`).
TRAIL_READS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")


def register_trail_fix(
    plan_id: str, control_ids: Iterable[str], *, title: str, permissions: tuple[str, ...]
) -> Callable[[Builder], RegisteredFix]:
    """`register_fix` for a fix of the trails 2.1 decides on: it is built after 2.1's plan (the fix "cloudtrail")
    and reads the trails (`TRAIL_READS`) besides its own `permissions`."""
    return register_fix(
        plan_id, control_ids, title=title, requires=("cloudtrail",), permissions=(*TRAIL_READS, *permissions)
    )
