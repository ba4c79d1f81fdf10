"""The policies for many accounts: the management account's, and the member role's trust policy."""

from __future__ import annotations

import json

from parliament import analyze_policy_string

from tests.support.cli import run_cli
from wizard.aws.iam_actions import is_known_action


def test_the_management_policy_lists_the_organization_and_assumes_only_the_role() -> None:
    proc = run_cli("permissions", "--mode", "management", "--role-name", "AuditRole")
    assert proc.returncode == 0, proc.stderr
    statements = json.loads(proc.stdout)["Statement"]
    assert {s["Action"] for s in statements} == {"organizations:ListAccounts", "sts:AssumeRole"}
    assume = next(s for s in statements if s["Action"] == "sts:AssumeRole")
    assert assume["Resource"] == "arn:aws:iam::*:role/AuditRole"
    unknown = [
        f for f in analyze_policy_string(proc.stdout).findings if f.issue in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX")
    ]
    assert unknown == []
    assert all(is_known_action(s["Action"]) or s["Action"].startswith("organizations:") for s in statements)


def test_the_member_trust_policy_trusts_the_management_account_with_its_conditions() -> None:
    proc = run_cli(
        "permissions",
        "--mode",
        "member-trust",
        "--management-account",
        "111111111111",
        "--external-id",
        "xyz",
        "--require-mfa",
    )
    assert proc.returncode == 0, proc.stderr
    [statement] = json.loads(proc.stdout)["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "xyz"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }
    bad = run_cli("permissions", "--mode", "member-trust", "--management-account", "nope")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
