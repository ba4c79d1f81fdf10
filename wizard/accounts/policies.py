"""Least privilege across accounts: what the management (or delegated administrator) account needs to list the
organization and assume the role, and the trust policy of that role in each member account."""

from __future__ import annotations

import json
from typing import Any

from wizard.accounts.reach import DEFAULT_ROLE


def management_policy(role_name: str = DEFAULT_ROLE, partition: str = "aws") -> dict[str, Any]:
    """For the identity that runs cis-wizard in the management account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListTheOrganization", "Effect": "Allow", "Action": "organizations:ListAccounts", "Resource": "*"},
            {
                "Sid": "AssumeTheAuditRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:{partition}:iam::*:role/{role_name}",
            },
        ],
    }


def member_trust_policy(
    management_account: str, external_id: str | None = None, require_mfa: bool = False, partition: str = "aws"
) -> dict[str, Any]:
    """The role's trust policy in each member account: only the management account's principals (those its IAM
    policies allow sts:AssumeRole on the role), with the external id and MFA when asked for."""
    condition: dict[str, Any] = {}
    if external_id:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{management_account}:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"
