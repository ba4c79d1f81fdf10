"""The AWS session a run works in: credentials, regions, one reused client per (service, region), a call counter.

Checks and fixes never build clients themselves; they receive this context, so tests hand them one pointed
at moto.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions
import botocore.handlers
from botocore.client import BaseClient
from botocore.config import Config

from wizard import __version__
from wizard.aws.client_reuse import share_client_classes
from wizard.aws.model_loader import share_models
from wizard.aws.policy_documents import decode_iam_documents
from wizard.errors import CredentialsError, EndpointError, UsageError

DEFAULT_REGION = "us-east-1"
MAX_CONCURRENCY = 32
_REGION_SYNTAX = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

# Error codes that mean "these credentials are no good", explained in words rather than codes.
_CREDENTIAL_ERRORS = {
    "ExpiredToken": "The AWS session token has expired: refresh it (aws sso login, or new temporary keys).",
    "ExpiredTokenException": "The AWS session token has expired: refresh it (aws sso login, or new temporary keys).",
    "InvalidClientTokenId": "AWS does not recognise the access key id: check the credentials in use.",
    "SignatureDoesNotMatch": "AWS rejected the request signature: the secret access key is wrong.",
    "UnrecognizedClientException": "AWS does not recognise these credentials.",
    "AuthFailure": "AWS could not validate these credentials.",
}


@dataclass(frozen=True)
class AwsSettings:
    """What the user asked for on the command line (or in the TUI's connect screen)."""

    profile: str | None = None
    region: str | None = None
    regions: str | None = None  # "us-east-1,eu-west-1" or "all"; None = the home region only
    endpoint_url: str | None = None
    allow_insecure_endpoint: bool = False  # plain http to another computer, asked for in so many words


class InsecureEndpointError(UsageError):
    """Plain http to a host that is not this computer, without --allow-insecure-endpoint (exit 2)."""


def is_insecure_endpoint(endpoint_url: str) -> bool:
    """Plain http to anything but loopback (127.0.0.0/8, ::1, localhost): every signed request, session token
    included, would cross the network in clear."""
    parts = urlsplit(endpoint_url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return True


def check_endpoint(endpoint_url: str, allow_insecure: bool) -> str:
    """The endpoint, if it is one the wizard may send credentials to; UsageError says why not."""
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"The endpoint {endpoint_url!r} is not an http(s) URL (like http://127.0.0.1:5000).")
    if is_insecure_endpoint(endpoint_url) and not allow_insecure:
        raise InsecureEndpointError(
            f"The endpoint {endpoint_url} is plain http to another computer: the signed requests, session token "
            "included, would travel in clear. Use https, or add --allow-insecure-endpoint if you mean it."
        )
    return endpoint_url


@dataclass(frozen=True)
class CallerIdentity:
    account_id: str
    arn: str
    user_id: str


class CallCounter:
    """Counts every HTTP request botocore sends (retries included) and every API call by operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client_locks: dict[tuple[str, str], threading.Lock] = {}
        self.requests = 0
        self.by_operation: Counter[str] = Counter()

    def on_request(self, **_: Any) -> None:
        with self._lock:
            self.requests += 1

    def on_call(self, event_name: str, **_: Any) -> None:
        # event_name is "before-call.<service>.<Operation>"
        _before_call, service, operation = event_name.split(".", 2)
        with self._lock:
            self.by_operation[f"{service}:{operation}"] += 1


def user_agent(botocore_session: Any) -> str:
    """`cis-wizard/<version>` before boto3's own User-Agent, so that CloudTrail's userAgent field tells the
    wizard's calls apart. Given whole, botocore also skips rebuilding the header for every request."""
    return f"cis-wizard/{__version__} {botocore_session.user_agent()}"


def environment_proxies() -> dict[str, str] | None:
    """The proxies botocore would read from the environment for every new client, read once: None (botocore
    decides per host) when NO_PROXY is set, since then the answer depends on the endpoint's host."""
    if any(name.lower() == "no_proxy" for name in os.environ):
        return None
    return urllib.request.getproxies()


def _client_config(service: str, endpoint_url: str | None, agent: str, proxies: dict[str, str] | None) -> Config:
    options: dict[str, Any] = {
        "retries": {"mode": "adaptive", "max_attempts": 8},
        "max_pool_connections": MAX_CONCURRENCY,
        "connect_timeout": 5,
        "read_timeout": 60,
        "user_agent": agent,
    }
    if proxies is not None:
        options["proxies"] = proxies
    if endpoint_url and service == "s3":
        options["s3"] = {"addressing_style": "path"}
    return Config(**options)


def _strip_account_host_prefix(endpoint_url: str) -> Any:
    """s3control puts the account id in front of the host ("123456789012.127.0.0.1"); a local endpoint
    has no such host names, so send the request to the endpoint itself."""
    endpoint = urlsplit(endpoint_url)

    def rewrite(request: Any, **_: Any) -> None:
        url = urlsplit(request.url)
        if url.hostname and url.hostname.endswith("." + (endpoint.hostname or "")):
            request.url = urlunsplit(url._replace(netloc=endpoint.netloc))

    return rewrite


def _decode_iam_documents(parsed: Any, model: Any, **_: Any) -> None:
    decode_iam_documents(parsed, model.output_shape)


def _use_safe_policy_decoding(client: BaseClient) -> None:
    """botocore decodes IAM's policy documents with a bare json.loads, so one deeply nested document makes the
    whole read raise RecursionError: decode them with the limits of `wizard.aws.policy_documents` instead."""
    client.meta.events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
    client.meta.events.register("after-call.iam", _decode_iam_documents)


class AwsContext:
    """A boto3 session plus the clients, regions and counters of one run."""

    def __init__(self, settings: AwsSettings, session: boto3.Session | None = None) -> None:
        self.settings = settings
        endpoint_url = settings.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        self.endpoint_url = check_endpoint(endpoint_url, settings.allow_insecure_endpoint) if endpoint_url else None
        try:
            self.session = session or boto3.Session(profile_name=settings.profile, region_name=settings.region)
        except botocore.exceptions.ProfileNotFound as error:
            raise CredentialsError(f"Unknown AWS profile {settings.profile!r}: it is not in ~/.aws/config.") from error
        # boto3 exposes no public way to reach its botocore session; both before the first look at the regions.
        share_models(self.session._session)
        share_client_classes(self.session._session)
        self.home_region = settings.region or self.session.region_name or DEFAULT_REGION
        self._check_region_syntax(self.home_region)
        try:
            self.partition = self.session.get_partition_for_region(self.home_region)
        except Exception as error:  # botocore raises a bare error for names outside every partition
            raise UsageError(f"Unknown region {self.home_region!r}.") from error
        if self.home_region not in self.known_regions():
            raise UsageError(f"Unknown region {self.home_region!r} for partition {self.partition}.")
        # STS in the home region, never the global endpoint (AWS: use regional STS endpoints), whatever the profile.
        self.session._session.set_config_variable("sts_regional_endpoints", "regional")
        self.counter = CallCounter()
        self.session.events.register("before-send", self.counter.on_request)
        self.session.events.register("before-call.*.*", self.counter.on_call)
        self._clients: dict[tuple[str, str], BaseClient] = {}
        self.skipped_regions: list[str] = []  # not enabled for the account (see enabled_regions)
        self._lock = threading.Lock()
        self._client_locks: dict[tuple[str, str], threading.Lock] = {}
        self._identity: CallerIdentity | None = None
        self._requested_regions = self._parse_region_list(settings.regions)
        self._user_agent = user_agent(self.session._session)
        self._proxies = environment_proxies()

    # -- clients -------------------------------------------------------------------------------------
    def client(self, service: str, region: str | None = None) -> Any:
        """One client per (service, region), created on first use and reused (clients are thread-safe)."""
        key = (service, region or self.home_region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            lock = self._client_locks.setdefault(key, threading.Lock())
        with lock:  # one lock per (service, region): clients of different regions are built in parallel
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(
                    service,
                    region_name=key[1],
                    endpoint_url=self.endpoint_url,
                    config=_client_config(service, self.endpoint_url, self._user_agent, self._proxies),
                )
                if service == "s3control" and self.endpoint_url:
                    client.meta.events.register("before-send", _strip_account_host_prefix(self.endpoint_url))
                if service == "iam":
                    _use_safe_policy_decoding(client)
                self._clients[key] = client
            return client

    def prepare_clients(self, services: Iterable[str], regions: Iterable[str]) -> threading.Thread:
        """Build these clients in a background thread, while the caller waits on the network (the first call,
        or a sandbox still starting): each costs milliseconds of CPU that then need not come later. A client that
        cannot be built is left alone: the call that needs it says why, where it is reported."""
        pairs = [(service, region) for region in regions for service in services]

        def build() -> None:
            for service, region in pairs:
                try:
                    self.client(service, region)
                except Exception:  # never a traceback from this thread
                    continue

        thread = threading.Thread(target=build, name="clients", daemon=True)
        thread.start()
        return thread

    def regions_known_now(self) -> list[str]:
        """The regions an audit will cover if they are known without a call (a list, or the home region);
        for `all`, just the home region."""
        if self._requested_regions is not None:
            return self._requested_regions
        return [self.home_region]

    @property
    def api_calls(self) -> int:
        return self.counter.requests

    # -- identity ------------------------------------------------------------------------------------
    def identity(self) -> CallerIdentity:
        """Who we are. The first call also proves credentials and endpoint work, or says why not."""
        if self._identity is None:
            try:
                reply = self.client("sts").get_caller_identity()
            except botocore.exceptions.NoCredentialsError as error:
                raise CredentialsError(
                    "No AWS credentials found: set a profile (--profile), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                    "or run `aws configure`."
                ) from error
            except (
                botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectTimeoutError,
            ) as error:
                where = self.endpoint_url or f"the AWS endpoint for {self.home_region}"
                raise EndpointError(f"Cannot reach {where}: {error}") from error
            except botocore.exceptions.ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                message = _CREDENTIAL_ERRORS.get(code, f"AWS refused the credentials ({code}).")
                raise CredentialsError(message) from error
            except botocore.exceptions.BotoCoreError as error:
                raise CredentialsError(f"Cannot use these AWS credentials: {error}") from error
            self._identity = CallerIdentity(reply["Account"], reply["Arn"], reply["UserId"])
        return self._identity

    # -- regions -------------------------------------------------------------------------------------
    def known_regions(self) -> list[str]:
        """Every region botocore knows for this account's partition (never China/GovCloud from commercial)."""
        return sorted(self.session.get_available_regions("ec2", partition_name=self.partition))

    @staticmethod
    def _check_region_syntax(region: str) -> None:
        if not _REGION_SYNTAX.match(region):
            raise UsageError(f"{region!r} is not an AWS region name (like us-east-1).")

    def _parse_region_list(self, spec: str | None) -> list[str] | None:
        """The explicit --regions list, checked locally (no AWS call); None for `all` or no list."""
        spec = (spec or "").strip()
        if not spec or spec == "all":
            return None
        requested = [r.strip() for r in spec.split(",") if r.strip()]
        if not requested:
            raise UsageError("--regions needs region names (like us-east-1,eu-west-1) or 'all'.")
        known = set(self.known_regions())
        for region in requested:
            self._check_region_syntax(region)
            if region not in known:
                raise UsageError(f"Unknown region {region!r} for partition {self.partition}.")
        return list(dict.fromkeys(requested))

    def resolve_regions(self) -> list[str]:
        """The regions to audit: --regions r1,r2, or `all` (the account's enabled regions), or the home region."""
        if self._requested_regions is not None:
            return self._requested_regions
        if (self.settings.regions or "").strip() == "all":
            return self.enabled_regions()
        return [self.home_region]

    def enabled_regions(self) -> list[str]:
        """The account's enabled regions of its own partition: describe-regions with AllRegions, less those
        not opted in (regions launched after March 2019 are off until the account opts in). The regions left
        out are kept in `skipped_regions`, so that the audit can say which it did not look at."""
        known = set(self.known_regions())
        try:
            reply = self.client("ec2").describe_regions(AllRegions=True)
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise UsageError(
                f"Cannot list the account's regions (ec2:DescribeRegions: {code}); use --regions."
            ) from error
        listed = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in reply.get("Regions", [])}
        enabled = {name for name, status in listed.items() if status != "not-opted-in"}
        self.skipped_regions = sorted((set(listed) - enabled) & known)
        return sorted(enabled & known)
