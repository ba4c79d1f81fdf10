"""The AWS context: one client per (service, region), adaptive retries, every request counted, regions."""

from __future__ import annotations

import pytest

from wizard.aws.context import AwsContext, AwsSettings
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
