"""Fix builders, one module per area. Importing this package registers all of them."""

from actions.fixes import (
    account_contacts,
    alarms,
    cloudtrail,
    config_recorder,
    iam_credentials,
    iam_policies,
    keys_and_flow_logs,
    network,
    password_policy,
)

__all__ = [
    "account_contacts",
    "alarms",
    "cloudtrail",
    "config_recorder",
    "iam_credentials",
    "iam_policies",
    "keys_and_flow_logs",
    "network",
    "password_policy",
]
