"""Account-wide identity reads: credential report, account summary, password policy, authorization details."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wizard.collectors.api import ReadApi
from wizard.collectors.credential_report import CredentialReport, CredentialReportError, read_credential_report
from wizard.errors import AwsReadError

# IAM answers GenerateCredentialReport with STARTED, then INPROGRESS for a few seconds (up to tens of seconds
# for thousands of users), then COMPLETE; GetCredentialReport says ReportInProgress meanwhile.
REPORT_POLL_SECONDS = 0.5
REPORT_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class AuthorizationDetails:
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    policies: list[dict[str, Any]]  # customer-managed (Scope=Local) policies with all their versions


def fetch_credential_report(api: ReadApi, region: str) -> CredentialReport:
    """Generate the report and poll until IAM says it is complete (saying so while it waits), then read it."""
    started = time.monotonic()
    while True:
        state = api.call("iam", "GenerateCredentialReport", region)
        if state and state.get("State") == "COMPLETE":
            reply = api.call("iam", "GetCredentialReport", region, record=False, absent_codes=("ReportInProgress",))
            if reply is not None:
                break
        waited = time.monotonic() - started
        if waited > REPORT_WAIT_SECONDS:
            raise AwsReadError(
                "iam:GenerateCredentialReport", region, "ReportNotReady", "the report was not ready in two minutes"
            )
        api.waiting(f"waiting for IAM to generate the credential report, {waited:.0f} s")
        time.sleep(REPORT_POLL_SECONDS)
    try:
        report = read_credential_report(reply.get("Content", b""))
    except CredentialReportError as error:
        raise AwsReadError("iam:GetCredentialReport", region, "MalformedReport", str(error)) from error
    generated = reply.get("GeneratedTime")
    report = dataclasses.replace(report, generated=generated if isinstance(generated, datetime) else None)
    response: dict[str, Any] = {"GeneratedTime": generated, "rows": [row.raw for row in report.rows]}
    if report.unreadable:
        response["unreadable_lines"] = [{"line": row.line, "text": row.text} for row in report.unreadable]
    api._record("iam", "GetCredentialReport", region, {}, response)
    return report


def fetch_account_summary(api: ReadApi, region: str) -> dict[str, int]:
    reply = api.call("iam", "GetAccountSummary", region) or {}
    return dict(reply.get("SummaryMap", {}))


def fetch_password_policy(api: ReadApi, region: str) -> dict[str, Any] | None:
    """The account password policy, or None when the account has none (NoSuchEntity)."""
    reply = api.call("iam", "GetAccountPasswordPolicy", region, absent_codes=("NoSuchEntity",))
    return None if reply is None else dict(reply.get("PasswordPolicy", {}))


def fetch_authorization_details(api: ReadApi, region: str) -> AuthorizationDetails:
    merged = api.paginate_keys(
        "iam",
        "GetAccountAuthorizationDetails",
        region,
        ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"),
        Filter=["User", "Group", "Role", "LocalManagedPolicy"],
    )
    return AuthorizationDetails(
        users=merged["UserDetailList"],
        groups=merged["GroupDetailList"],
        roles=merged["RoleDetailList"],
        policies=merged["Policies"],
    )


def fetch_virtual_mfa_devices(api: ReadApi, region: str) -> list[dict[str, Any]]:
    return api.paginate("iam", "ListVirtualMFADevices", region, "VirtualMFADevices", AssignmentStatus="Any")


def fetch_contact_information(api: ReadApi, region: str) -> dict[str, Any]:
    # ResourceNotFoundException: no contact information was ever set (nothing to read, every field missing).
    reply = api.call("account", "GetContactInformation", region, absent_codes=("ResourceNotFoundException",)) or {}
    return dict(reply.get("ContactInformation", {}))


def fetch_security_contact(api: ReadApi, region: str) -> dict[str, Any] | None:
    reply = api.call(
        "account",
        "GetAlternateContact",
        region,
        absent_codes=("ResourceNotFoundException",),
        AlternateContactType="SECURITY",
    )
    return None if reply is None else dict(reply.get("AlternateContact", {}))
