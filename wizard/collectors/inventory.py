"""Every read the checks need, each made at most once per audit and shared by all the checks that use it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from wizard.audit.findings import Evidence
from wizard.aws.context import MAX_CONCURRENCY, AwsContext
from wizard.collectors import iam, logging_reads, regional
from wizard.collectors.api import ReadApi
from wizard.collectors.cache import ReadCache, ReadCompute, ReadLog
from wizard.collectors.credential_report import CredentialReport, CredentialRow, UnreadableRow
from wizard.errors import AwsReadError

T = TypeVar("T")

# Reads that checks declare they need, so the audit can make them all up front, concurrently.
GLOBAL_READS = (
    "credential_report",
    "account_summary",
    "password_policy",
    "authorization_details",
    "virtual_mfa_devices",
    "contact_information",
    "security_contact",
    "account_public_access_block",
    "trail_buckets",
)
REGIONAL_READS = (
    "trails",
    "config_state",
    "vpcs",
    "flow_logs",
    "security_groups",
    "route_tables",
    "running_instances",
    "kms_keys",
)
# The services those regional reads call in every region (the clients an audit builds for each region).
SERVICES_IN_EVERY_REGION = ("ec2", "kms", "cloudtrail", "config")


def unique_trails(trails: Iterable[logging_reads.Trail]) -> list[logging_reads.Trail]:
    return list({trail.arn: trail for trail in trails}.values())


class Inventory:
    """The account as the audit sees it. Methods are cached reads; errors surface as `AwsReadError`."""

    def __init__(
        self,
        ctx: AwsContext,
        regions: list[str],
        now: datetime | None = None,
        *,
        changed_since: datetime | None = None,
        waiting: Callable[[str], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.regions = regions
        self.now = now or datetime.now(UTC)
        # When this run changed the account itself (a verify after an apply): evidence older than this, such
        # as a credential report AWS reuses for hours, is checked against IAM's current answer.
        self.changed_since = changed_since
        self.waiting = waiting
        self._cache = ReadCache()

    @property
    def home_region(self) -> str:
        return self.ctx.home_region

    def _read(self, key: tuple[Any, ...], fetch: Callable[[ReadApi], T]) -> T:
        def compute(evidence: list[Evidence]) -> T:
            return fetch(ReadApi(self.ctx, evidence, self.waiting))

        return self._cache.get(key, compute)

    def replay(self, reads: ReadLog, max_workers: int = MAX_CONCURRENCY) -> None:
        """Make `reads` (noted on another inventory with `recording_reads`) again, concurrently, into this
        inventory's cache. Errors stay in the cache for whoever uses the read."""
        if not reads:
            return

        def make(item: tuple[Hashable, ReadCompute]) -> None:
            key, compute = item
            with contextlib.suppress(Exception):
                self._cache.get(key, compute)

        with ThreadPoolExecutor(max_workers=min(max_workers, len(reads)), thread_name_prefix="reread") as pool:
            list(pool.map(make, reads.items()))

    def prefetch(self, name: str, region: str | None = None) -> None:
        """Make a declared read (for the audit's concurrent first phase)."""
        method = getattr(self, name)
        method() if region is None else method(region)

    # -- account-wide ----------------------------------------------------------------------------------
    def account_id(self) -> str:
        return self.ctx.identity().account_id

    def credential_report_stale(self) -> bool:
        """Whether the credential report predates a change this run made (so its rows may be out of date)."""
        generated = self._full_credential_report().generated
        return self.changed_since is not None and (generated is None or generated < self.changed_since)

    def credential_report(self) -> list[CredentialRow]:
        """The report's rows that add up (see `unreadable_report_rows` for the others)."""
        return self._full_credential_report().rows

    def unreadable_report_rows(self) -> tuple[UnreadableRow, ...]:
        """Lines of the credential report whose columns do not add up: their users cannot be judged."""
        return self._full_credential_report().unreadable

    def credential_report_generated(self) -> datetime | None:
        return self._full_credential_report().generated

    def _full_credential_report(self) -> CredentialReport:
        return self._read(("credential_report",), lambda api: iam.fetch_credential_report(api, self.home_region))

    def account_summary(self) -> dict[str, int]:
        return self._read(("account_summary",), lambda api: iam.fetch_account_summary(api, self.home_region))

    def password_policy(self) -> dict[str, Any] | None:
        return self._read(("password_policy",), lambda api: iam.fetch_password_policy(api, self.home_region))

    def authorization_details(self) -> iam.AuthorizationDetails:
        return self._read(
            ("authorization_details",), lambda api: iam.fetch_authorization_details(api, self.home_region)
        )

    def virtual_mfa_devices(self) -> list[dict[str, Any]]:
        return self._read(("virtual_mfa",), lambda api: iam.fetch_virtual_mfa_devices(api, self.home_region))

    def contact_information(self) -> dict[str, Any]:
        return self._read(("contact",), lambda api: iam.fetch_contact_information(api, self.home_region))

    def security_contact(self) -> dict[str, Any] | None:
        return self._read(("security_contact",), lambda api: iam.fetch_security_contact(api, self.home_region))

    def account_public_access_block(self) -> dict[str, bool] | None:
        return self._read(
            ("account_pab",),
            lambda api: logging_reads.fetch_account_public_access_block(api, self.home_region, self.account_id()),
        )

    # -- per region ------------------------------------------------------------------------------------
    def trails(self, region: str) -> list[logging_reads.Trail]:
        """Trails homed in `region`, and multi-region trails seen from it whose home region is not audited
        (so a trail homed outside the audit is still found). Each is read once, in its home region."""
        infos = self._read(("trail_list", region), lambda api: logging_reads.fetch_trail_list(api, region))
        wanted = [
            info
            for info in infos
            if info.get("HomeRegion", region) == region or info.get("HomeRegion") not in self.regions
        ]
        return [self.trail_details(info) for info in wanted]

    def trail_details(self, info: dict[str, Any]) -> logging_reads.Trail:
        info = {"HomeRegion": info.get("HomeRegion"), **info}
        key = ("trail", info.get("TrailARN") or info["Name"])
        return self._read(key, lambda api: logging_reads.fetch_trail_details(api, info))

    def config_state(self, region: str) -> logging_reads.ConfigState:
        return self._read(("config", region), lambda api: logging_reads.fetch_config_state(api, region))

    def vpcs(self, region: str) -> list[dict[str, Any]]:
        return self._read(("vpcs", region), lambda api: regional.fetch_vpcs(api, region))

    def flow_logs(self, region: str) -> list[dict[str, Any]]:
        return self._read(("flow_logs", region), lambda api: regional.fetch_flow_logs(api, region))

    def security_groups(self, region: str) -> list[dict[str, Any]]:
        return self._read(("security_groups", region), lambda api: regional.fetch_security_groups(api, region))

    def route_tables(self, region: str) -> list[dict[str, Any]]:
        return self._read(("route_tables", region), lambda api: regional.fetch_route_tables(api, region))

    def running_instances(self, region: str) -> list[dict[str, Any]]:
        return self._read(("instances", region), lambda api: regional.fetch_running_instances(api, region))

    def kms_keys(self, region: str) -> list[regional.KmsKey]:
        return self._read(("kms", region), lambda api: regional.fetch_kms_keys(api, region))

    # -- read on demand, keyed by what earlier reads found -----------------------------------------------
    def bucket(self, name: str) -> logging_reads.BucketFacts:
        return self._read(("bucket", name), lambda api: logging_reads.fetch_bucket(api, self.home_region, name))

    def metric_filters(self, region: str, log_group: str) -> list[dict[str, Any]]:
        return self._read(
            ("metric_filters", region, log_group),
            lambda api: logging_reads.fetch_metric_filters(api, region, log_group),
        )

    def metric_alarms(self, region: str) -> list[dict[str, Any]]:
        return self._read(("alarms", region), lambda api: logging_reads.fetch_metric_alarms(api, region))

    def topic_subscriptions(self, topic_arn: str) -> list[dict[str, Any]]:
        return self._read(
            ("subscriptions", topic_arn), lambda api: logging_reads.fetch_topic_subscriptions(api, topic_arn)
        )

    def fetch(self, service: str, operation: str, region: str, result_key: str | None = None, **params: Any) -> Any:
        """Any other read, cached by its arguments: paginated and merged on `result_key` when given.

        For fix builders that need one more fact (a user's access key ids, the ENIs using a group).
        """
        key = ("fetch", service, operation, region, result_key, repr(sorted(params.items())))
        if result_key:
            return self._read(key, lambda api: api.paginate(service, operation, region, result_key, **params))
        return self._read(key, lambda api: api.call(service, operation, region, **params) or {})

    def fetch_all(self, calls: Iterable[tuple[str, str, str, str | None, dict[str, Any]]]) -> None:
        """Make these `fetch` reads ((service, operation, region, result_key, params)) at once, into the cache,
        for a builder that is about to read them one after the other. Errors wait in the cache."""
        wanted = list(calls)
        if not wanted:
            return

        def make(call: tuple[str, str, str, str | None, dict[str, Any]]) -> None:
            service, operation, region, result_key, params = call
            with contextlib.suppress(AwsReadError):
                self.fetch(service, operation, region, result_key, **params)

        with ThreadPoolExecutor(max_workers=min(MAX_CONCURRENCY, len(wanted)), thread_name_prefix="fetch") as pool:
            list(pool.map(make, wanted))

    def trail_buckets(self) -> list[logging_reads.BucketFacts]:
        """The S3 buckets of every trail (read as soon as the trails are known; unreadable ones left out)."""
        names = sorted({t.bucket for t in self.all_trails() if t.bucket})
        facts = []
        for name in names:
            try:
                facts.append(self.bucket(name))
            except AwsReadError:
                continue  # the checks that need this bucket report the error
        return facts

    def all_trails(self) -> list[logging_reads.Trail]:
        """Every trail the audited regions see, once each (each read in its home region)."""
        return unique_trails(trail for region in self.regions for trail in self.trails(region))
