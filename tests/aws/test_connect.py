"""Connecting: who we are, the account's alias and the regions, with as few waits on AWS as it takes."""

from __future__ import annotations

from actions.wizard_session import connect
from benchmarks.fault_proxy import FaultProxy, delay, error
from wizard.aws.context import AwsSettings


def settings(proxy: FaultProxy) -> AwsSettings:
    return AwsSettings(region="us-east-1", regions="us-east-1", endpoint_url=proxy.url)


def test_the_alias_is_asked_for_beside_the_identity_not_after_it(proxy: FaultProxy) -> None:
    proxy.add_rule("sts:GetCallerIdentity", delay(0.5))
    connection = connect(settings(proxy))
    assert connection.identity.account_id == "123456789012"
    by_operation = {record.info.operation: record for record in proxy.records}
    identity, alias = by_operation["GetCallerIdentity"], by_operation["ListAccountAliases"]
    assert alias.started < identity.finished  # sent while the identity's answer was still on its way


def test_an_alias_that_cannot_be_read_is_none_and_the_connection_stands(proxy: FaultProxy) -> None:
    proxy.add_rule("iam:ListAccountAliases", error(403, "AccessDenied", "not for you"))
    connection = connect(settings(proxy))
    assert connection.alias is None and connection.regions == ["us-east-1"]
