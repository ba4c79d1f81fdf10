"""Whether an SNS subscription reaches someone: the one test the 3.x checks and the alarms fix share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_confirmed(subscription: Mapping[str, Any]) -> bool:
    # Pending subscriptions carry "PendingConfirmation" (or "Deleted") instead of an ARN.
    return str(subscription.get("SubscriptionArn", "")).startswith("arn:")


def is_pending(subscription: Mapping[str, Any]) -> bool:
    return str(subscription.get("SubscriptionArn", "")).lower() in ("pendingconfirmation", "pending confirmation")
