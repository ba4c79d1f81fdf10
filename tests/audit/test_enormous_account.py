"""An enormous account: more than 10,000 items behind one read, and the one that matters is on the last page."""

from __future__ import annotations

import json

from moto.iam.models import iam_backends
from moto.sns.models import sns_backends

from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.auditing import audit_one, statuses
from tests.support.monitoring import add_alarm, add_filter, make_topic, make_trail
from wizard.audit.findings import Status
from wizard.monitoring.coverage import CIS_FILTER_PATTERNS

ITEMS = 10_050


def test_a_confirmed_subscriber_after_ten_thousand_pending_ones_is_found(ctx) -> None:  # type: ignore[no-untyped-def]
    make_trail(HOME)
    topic = make_topic(HOME, subscribe=False)
    add_alarm(add_filter("cis-3.1", CIS_FILTER_PATTERNS["3.1"]), [topic])
    backend = sns_backends[ACCOUNT_ID][HOME]
    for number in range(ITEMS - 1):  # seeded on moto's backend: as many API calls would take minutes
        subscription = backend.subscribe(topic, f"pending-{number}@example.com", "email")
        backend.subscriptions.pop(subscription.arn)
        subscription.arn = f"PendingConfirmation-{number}"  # AWS lists unconfirmed ones as "PendingConfirmation"
        backend.subscriptions[subscription.arn] = subscription
    ctx.client("sns", HOME).subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    finding = audit_one(ctx, "3.1")
    assert finding.status is Status.PASS, finding.summary
    assert ctx.counter.by_operation["sns:ListSubscriptionsByTopic"] > 100  # every page was read


def test_more_than_ten_thousand_users_and_the_one_with_a_policy(ctx) -> None:  # type: ignore[no-untyped-def]
    client = ctx.client("iam")
    client.get_account_summary()
    backend = iam_backends[ACCOUNT_ID]["aws"]
    for number in range(ITEMS):
        backend.create_user(region_name=HOME, user_name=f"user-{number:05d}", path="/", tags=[])
    arn = client.create_policy(
        PolicyName="read",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    client.attach_user_policy(UserName="user-10049", PolicyArn=arn)
    finding = audit_one(ctx, "1.16")
    assert finding.status is Status.FAIL
    assert len(finding.resources) == ITEMS
    assert [r for r, s in statuses(finding).items() if s is Status.FAIL] == ["user-10049"]
