"""Emulated SNS e-mail subscriptions (pending until confirmed) and the credential report (takes time, reused for
four hours)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from benchmarks.fault_proxy import FaultProxy
from tests.support.accounts import HOME
from tests.support.emulation import NO_RETRIES, ClientFactory, Emulate, FakeClock, error_of

# -- 3. SNS e-mail subscriptions -------------------------------------------------------------------------


def test_email_subscriptions_stay_pending_until_the_recipient_confirms(emulate: Emulate, client: ClientFactory) -> None:
    emulation = emulate("sns_pending")
    sns = client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == (
        "pending confirmation"
    )
    assert sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bot@example.com")["SubscriptionArn"] == (
        "pending confirmation"
    )
    sms = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
    assert sms.startswith(topic)  # SMS needs no confirmation

    def arns(listing: dict[str, Any]) -> dict[str, str]:
        return {s["Endpoint"]: s["SubscriptionArn"] for s in listing["Subscriptions"]}

    pending = {"ops@example.com": "PendingConfirmation", "bot@example.com": "PendingConfirmation", "+15555550100": sms}
    assert arns(sns.list_subscriptions_by_topic(TopicArn=topic)) == pending
    assert arns(sns.list_subscriptions()) == pending
    assert sorted(emulation.pending_subscriptions.values()) == ["bot@example.com", "ops@example.com"]

    assert emulation.confirm_subscriptions("ops@example.com") == 1
    confirmed = arns(sns.list_subscriptions_by_topic(TopicArn=topic))
    assert confirmed["ops@example.com"].startswith(f"{topic}:")
    assert confirmed["bot@example.com"] == "PendingConfirmation"
    # Subscribing a confirmed address again answers its ARN, as AWS does.
    assert (
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
        == (confirmed["ops@example.com"])
    )
    assert emulation.confirm_subscriptions() == 1
    assert "PendingConfirmation" not in arns(sns.list_subscriptions()).values()


def test_return_subscription_arn_shows_the_pending_subscription_as_pending(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulation = emulate("sns_pending")
    sns = client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    assert arn.startswith(f"{topic}:")
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert (attributes["PendingConfirmation"], attributes["ConfirmationWasAuthenticated"]) == ("true", "false")
    emulation.confirm_subscriptions("ops@example.com")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "false"
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions()["Subscriptions"] == []


# -- 4. the credential report ----------------------------------------------------------------------------


def test_the_credential_report_takes_time_and_is_reused_for_four_hours(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulation = emulate("credential_report", credential_report_seconds=5)
    iam = client("iam")
    assert error_of(iam.get_credential_report)[:2] == ("ReportNotPresent", 410)
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException):
        iam.get_credential_report()

    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED",
        "No report exists. Starting a new report generation task",
    )
    assert iam.generate_credential_report()["State"] == "INPROGRESS"
    assert error_of(iam.get_credential_report)[:2] == ("ReportInProgress", 404)
    with pytest.raises(iam.exceptions.CredentialReportNotReadyException):
        iam.get_credential_report()
    clock.advance(5)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    first = iam.get_credential_report()
    assert first["ReportFormat"] == "text/csv"
    assert "<root_account>" in first["Content"].decode()  # moto's report, root row seeded by the fixture

    iam.create_user(UserName="late-comer")
    clock.advance(3.9 * 3600)
    assert iam.generate_credential_report()["State"] == "COMPLETE"  # reused at once
    again = iam.get_credential_report()
    assert (again["Content"], again["GeneratedTime"]) == (first["Content"], first["GeneratedTime"])
    assert b"late-comer" not in again["Content"]

    emulation.expire_credential_report()
    assert iam.generate_credential_report()["State"] == "STARTED"
    clock.advance(5)
    fresh = iam.get_credential_report()
    assert b"late-comer" in fresh["Content"]
    assert fresh["GeneratedTime"] >= first["GeneratedTime"]


def test_concurrent_first_generations_start_one_report(emulate: Emulate, proxy: FaultProxy) -> None:
    emulate("credential_report")
    iam = boto3.client(
        "iam", region_name=HOME, endpoint_url=proxy.url, config=NO_RETRIES.merge(Config(max_pool_connections=16))
    )
    iam.get_account_summary()  # the client's connections and moto warm
    start = threading.Barrier(16)

    def generate() -> str:
        start.wait()
        return str(iam.generate_credential_report()["State"])

    with ThreadPoolExecutor(16) as pool:
        states = Counter(pool.map(lambda _: generate(), range(16)))
    assert states == Counter({"STARTED": 1, "INPROGRESS": 15})


def test_a_report_older_than_four_hours_is_generated_again(
    emulate: Emulate, client: ClientFactory, clock: FakeClock
) -> None:
    emulate("credential_report", credential_report_seconds=1)
    iam = client("iam")
    iam.generate_credential_report()
    clock.advance(4 * 3600)
    assert iam.generate_credential_report()["State"] == "STARTED"
