"""Logging and monitoring reads: trails, their buckets, Config recorders, metric filters, alarms, topics."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wizard.aws.policy_documents import PolicyDocumentError, parse_document_text
from wizard.collectors.api import ReadApi

_S3_ABSENT = ("NoSuchBucketPolicy", "NoSuchPublicAccessBlockConfiguration")


@dataclass(frozen=True)
class Trail:
    """A trail as seen from its home region: configuration, status and event selectors."""

    info: dict[str, Any]
    status: dict[str, Any]
    event_selectors: list[dict[str, Any]]
    advanced_event_selectors: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return str(self.info["Name"])

    @property
    def arn(self) -> str:
        return str(self.info.get("TrailARN", self.name))

    @property
    def home_region(self) -> str:
        return str(self.info.get("HomeRegion", ""))

    @property
    def is_multi_region(self) -> bool:
        return bool(self.info.get("IsMultiRegionTrail"))

    @property
    def is_logging(self) -> bool:
        return bool(self.status.get("IsLogging"))

    @property
    def bucket(self) -> str | None:
        return self.info.get("S3BucketName")

    @property
    def log_group_arn(self) -> str | None:
        return self.info.get("CloudWatchLogsLogGroupArn")

    def captures_all_management_events(self) -> bool:
        """True when some selector records read and write management events.

        A trail with no selectors at all records all management events (AWS's default; moto returns []).
        """
        if self.advanced_event_selectors:
            return any(_advanced_selector_is_all_management(s) for s in self.advanced_event_selectors)
        if not self.event_selectors:
            return True
        return any(
            s.get("IncludeManagementEvents", True)
            and s.get("ReadWriteType", "All") == "All"
            and not s.get("ExcludeManagementEventSources")  # e.g. KMS or RDS Data API events left out
            for s in self.event_selectors
        )


def _advanced_selector_is_all_management(selector: dict[str, Any]) -> bool:
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
    category = fields.get("eventCategory", {})
    if "Management" not in category.get("Equals", []):
        return False
    # Any narrowing of read-only / event source / event name means not *all* management events.
    return not (set(fields) - {"eventCategory"})


def log_group_name_and_region(log_group_arn: str) -> tuple[str, str]:
    """arn:aws:logs:<region>:<account>:log-group:<name>:* -> (name, region)."""
    parts = log_group_arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise ValueError(f"not a CloudWatch Logs log group ARN: {log_group_arn}")
    return parts[6], parts[3]


def fetch_trail_list(api: ReadApi, region: str) -> list[dict[str, Any]]:
    """Every trail visible from `region`: its own, and multi-region (or organization) trails homed elsewhere."""
    reply = api.call("cloudtrail", "DescribeTrails", region, includeShadowTrails=True) or {}
    return list(reply.get("trailList", []))


def fetch_trail_details(api: ReadApi, info: dict[str, Any]) -> Trail:
    """A trail's status and event selectors, asked of its home region (the only one that answers for it)."""
    home = str(info.get("HomeRegion"))
    name = info.get("TrailARN") or info["Name"]
    status = api.call("cloudtrail", "GetTrailStatus", home, Name=name) or {}
    selectors = api.call("cloudtrail", "GetEventSelectors", home, TrailName=name) or {}
    return Trail(
        info=info,
        status=status,
        event_selectors=list(selectors.get("EventSelectors") or []),
        advanced_event_selectors=list(selectors.get("AdvancedEventSelectors") or []),
    )


@dataclass(frozen=True)
class BucketFacts:
    name: str
    region: str
    acl_grants: list[dict[str, Any]]
    policy: dict[str, Any] | None
    public_access_block: dict[str, bool] | None
    logging: dict[str, Any] | None  # LoggingEnabled, or None when access logging is off
    policy_error: str | None = None  # why the policy could not be read (too deep, too big, not JSON)


def fetch_bucket(api: ReadApi, home_region: str, name: str) -> BucketFacts:
    location = api.call("s3", "GetBucketLocation", home_region, Bucket=name) or {}
    region = location.get("LocationConstraint") or "us-east-1"
    if region == "EU":
        region = "eu-west-1"
    # The four reads don't depend on each other: make them at once.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="bucket") as pool:
        acl_job = pool.submit(api.call, "s3", "GetBucketAcl", region, Bucket=name)
        policy_job = pool.submit(api.call, "s3", "GetBucketPolicy", region, absent_codes=_S3_ABSENT, Bucket=name)
        block_job = pool.submit(api.call, "s3", "GetPublicAccessBlock", region, absent_codes=_S3_ABSENT, Bucket=name)
        logging_job = pool.submit(api.call, "s3", "GetBucketLogging", region, Bucket=name)
        acl, policy_reply = acl_job.result() or {}, policy_job.result()
        block_reply, logging_reply = block_job.result(), logging_job.result() or {}
    policy, policy_error = None, None
    if policy_reply and policy_reply.get("Policy"):
        try:
            policy = parse_document_text(policy_reply["Policy"])
        except PolicyDocumentError as error:
            policy_error = f"PolicyDocumentError: the bucket policy cannot be read: {error}"
    return BucketFacts(
        name=name,
        region=region,
        acl_grants=list(acl.get("Grants", [])),
        policy=policy,
        public_access_block=dict(block_reply["PublicAccessBlockConfiguration"]) if block_reply else None,
        logging=logging_reply.get("LoggingEnabled"),
        policy_error=policy_error,
    )


def fetch_account_public_access_block(api: ReadApi, region: str, account_id: str) -> dict[str, bool] | None:
    reply = api.call(
        "s3control",
        "GetPublicAccessBlock",
        region,
        absent_codes=(*_S3_ABSENT, "NoSuchPublicAccessBlock"),
        AccountId=account_id,
    )
    return dict(reply["PublicAccessBlockConfiguration"]) if reply else None


@dataclass(frozen=True)
class ConfigState:
    recorders: list[dict[str, Any]]
    statuses: list[dict[str, Any]]


def fetch_config_state(api: ReadApi, region: str) -> ConfigState:
    recorders = api.call("config", "DescribeConfigurationRecorders", region) or {}
    statuses = api.call("config", "DescribeConfigurationRecorderStatus", region) or {}
    return ConfigState(
        recorders=list(recorders.get("ConfigurationRecorders", [])),
        statuses=list(statuses.get("ConfigurationRecordersStatus", [])),
    )


def fetch_metric_filters(api: ReadApi, region: str, log_group: str) -> list[dict[str, Any]]:
    return api.paginate("logs", "DescribeMetricFilters", region, "metricFilters", logGroupName=log_group)


def fetch_metric_alarms(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("cloudwatch", "DescribeAlarms", region, "MetricAlarms")


def fetch_topic_subscriptions(api: ReadApi, topic_arn: str) -> list[dict[str, Any]]:
    region = topic_arn.split(":")[3]
    return api.paginate("sns", "ListSubscriptionsByTopic", region, "Subscriptions", TopicArn=topic_arn)


def delivery_age_days(status: dict[str, Any], now: datetime) -> float | None:
    delivered = status.get("LatestCloudWatchLogsDeliveryTime")
    if not isinstance(delivered, datetime):
        return None
    return (now - delivered).total_seconds() / 86400
