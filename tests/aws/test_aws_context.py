"""The AWS context: one client per (service, region), adaptive retries, every request counted, regions."""

from __future__ import annotations

import threading

import boto3
import botocore
import pytest

from benchmarks.fault_proxy import FaultProxy, Forward, ProxyRequest, ProxyResponse
from wizard import __version__
from wizard.aws.context import AwsContext, AwsSettings, environment_proxies
from wizard.errors import CredentialsError, UsageError


def test_one_client_per_service_and_region_reused(ctx: AwsContext) -> None:
    assert ctx.client("ec2", "eu-west-1") is ctx.client("ec2", "eu-west-1")
    assert ctx.client("ec2", "eu-west-1") is not ctx.client("ec2", "us-east-1")
    assert ctx.client("iam") is ctx.client("iam", ctx.home_region)


def test_clients_retry_in_adaptive_mode(ctx: AwsContext) -> None:
    config = ctx.client("kms", "us-east-1").meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.retries["total_max_attempts"] >= 5


def test_every_request_is_counted_by_operation(ctx: AwsContext) -> None:
    before = ctx.api_calls
    ctx.client("iam").get_account_summary()
    ctx.client("ec2", "eu-west-1").describe_vpcs()
    assert ctx.api_calls == before + 2
    assert ctx.counter.by_operation["iam:GetAccountSummary"] == 1
    assert ctx.counter.by_operation["ec2:DescribeVpcs"] == 1


def test_all_regions_are_the_partitions_enabled_ones(aws: None) -> None:
    regions = AwsContext(AwsSettings(region="us-east-1", regions="all")).resolve_regions()
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert not [r for r in regions if r.startswith(("cn-", "us-gov-"))]
    assert "ap-east-1" not in regions  # an opt-in region this account has not enabled


def test_explicit_regions_keep_order_and_drop_duplicates(aws: None) -> None:
    ctx = AwsContext(AwsSettings(region="us-east-1", regions="eu-west-1, us-east-2,eu-west-1"))
    assert ctx.resolve_regions() == ["eu-west-1", "us-east-2"]


def test_default_is_the_home_region(aws: None) -> None:
    assert AwsContext(AwsSettings(region="eu-central-1")).resolve_regions() == ["eu-central-1"]


def test_china_region_from_a_commercial_session_is_refused(aws: None) -> None:
    with pytest.raises(UsageError, match="Unknown region 'cn-north-1' for partition aws"):
        AwsContext(AwsSettings(region="us-east-1", regions="cn-north-1"))


def test_identity(ctx: AwsContext) -> None:
    identity = ctx.identity()
    assert identity.account_id == "123456789012"
    assert identity.arn.startswith("arn:aws:")


def test_unknown_profile(aws: None) -> None:
    with pytest.raises(CredentialsError, match="Unknown AWS profile 'ghost'"):
        AwsContext(AwsSettings(profile="ghost"))


def test_endpoint_url_from_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert AwsContext(AwsSettings()).endpoint_url == "http://127.0.0.1:4566"
    assert AwsContext(AwsSettings(endpoint_url="http://127.0.0.1:5000")).endpoint_url == "http://127.0.0.1:5000"


def test_every_request_names_the_wizard_in_its_user_agent(proxy: FaultProxy) -> None:
    """CloudTrail's userAgent tells the wizard's calls apart: `cis-wizard/<version>` and boto3's own agent."""
    agents: list[str] = []

    def record(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        agents.append(request.headers.get("User-Agent", ""))
        return forward()

    proxy.add_handler("*", record)
    ctx = AwsContext(AwsSettings(endpoint_url=proxy.url))
    ctx.identity()
    ctx.client("iam").list_users()
    ctx.client("ec2", "eu-west-1").describe_vpcs()
    assert len(agents) == 3
    for agent in agents:
        assert agent.startswith(f"cis-wizard/{__version__} Boto3/{boto3.__version__} ")
        assert f"Botocore/{botocore.__version__}" in agent


def test_proxies_from_the_environment_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert environment_proxies() == {"https": "http://proxy.internal:3128"}
    monkeypatch.setenv("no_proxy", "169.254.169.254")
    assert environment_proxies() is None  # then botocore decides per host, as without the wizard


def test_clients_prepared_in_the_background_make_no_call(aws: None) -> None:
    ctx = AwsContext(AwsSettings(regions="us-east-1,eu-west-1"))
    assert ctx.regions_known_now() == ["us-east-1", "eu-west-1"]
    ctx.prepare_clients(("ec2", "kms"), ctx.regions_known_now()).join(timeout=30)
    assert {("ec2", "us-east-1"), ("kms", "us-east-1"), ("ec2", "eu-west-1"), ("kms", "eu-west-1")} <= set(ctx._clients)
    assert ctx.api_calls == 0
    assert AwsContext(AwsSettings(regions="all")).regions_known_now() == ["us-east-1"]  # `all` needs a call


def test_a_client_that_cannot_be_prepared_leaves_no_traceback(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    ctx = AwsContext(AwsSettings())
    ctx.prepare_clients(("no-such-service", "ec2"), ["us-east-1"]).join(timeout=30)
    assert raised == []
    assert ("ec2", "us-east-1") in ctx._clients  # the others are still built
