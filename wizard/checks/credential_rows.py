"""How section 1 reads the credential report: the users' rows, root's row, the rows cited as evidence, and
rows that this run has made stale (IAM's current answer wins over a report up to four hours old)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.collectors.cache import cite
from wizard.collectors.credential_report import CredentialRow, key_slots
from wizard.collectors.inventory import Inventory
from wizard.errors import AwsReadError

GLOBAL = "global"


def days_since(moment: datetime, now: datetime) -> int:
    return int((now - moment).total_seconds() // 86400)


def report_users(inv: Inventory, builder: FindingBuilder) -> list[CredentialRow]:
    """The users' rows of the credential report; a line that does not add up is an ERROR row of `builder`
    (whose credentials it holds cannot be told, so the control can never pass over it)."""
    for unreadable in inv.unreadable_report_rows():
        resource = f"credential-report:line-{unreadable.line}"
        builder.add(resource, GLOBAL, Status.ERROR, f"MalformedReportRow: {unreadable.reason}")
    return [row for row in inv.credential_report() if not row.is_root]


def console_users(inv: Inventory, builder: FindingBuilder) -> list[CredentialRow]:
    """The users' rows of the credential report (as `report_users`) of the users with a console password."""
    return [row for row in report_users(inv, builder) if row.password_enabled]


def _report_user(resource_id: str) -> str:
    """The user a resource of a credential-report finding is about: "bob:access_key_1" -> "bob"; root's
    resources are its ARN, kept whole (IAM user names cannot hold ":", ARNs do)."""
    return resource_id if resource_id.startswith("arn:") else resource_id.split(":", 1)[0]


def _report_age(inv: Inventory) -> str | None:
    generated = inv.credential_report_generated()
    if generated is None:
        return None
    minutes = max(0, int((inv.now - generated).total_seconds() // 60))
    age = f"{minutes} minute(s)" if minutes < 120 else f"{minutes // 60} hour(s) {minutes % 60} minute(s)"
    return f"generated {age} before this audit (AWS reuses a credential report for up to 4 hours)"


def cite_report_rows(inv: Inventory, builder: FindingBuilder) -> None:
    """The credential report's evidence: the rows of the users this finding fails (or names, if it fails none),
    and how old the report is."""
    named = [r for r in builder.resources if r.status is Status.FAIL] or builder.resources
    users = {_report_user(r.id) for r in named}
    rows = [row.raw for row in inv.credential_report() if row.user in users or (row.is_root and row.arn in users)]
    cited: dict[str, Any] = {"rows": rows, "users_in_report": len(inv.credential_report())}
    generated = inv.credential_report_generated()
    if generated is not None:
        cited["GeneratedTime"] = generated.isoformat()
        cited["age"] = _report_age(inv)
    if inv.unreadable_report_rows():
        cited["unreadable_lines"] = [{"line": u.line, "text": u.text} for u in inv.unreadable_report_rows()]
    cite("iam:GetCredentialReport", inv.home_region, cited)


def gone_since_report(inv: Inventory, row: CredentialRow, credential: str) -> str | None:
    """When the report predates a change this run made: why `credential` ("password", "mfa",
    "access_key_N") no longer fails, by IAM's current answer; None when IAM agrees with the report."""
    if not inv.credential_report_stale():
        return None
    home = inv.home_region
    if credential == "password":
        try:
            inv.fetch("iam", "GetLoginProfile", home, UserName=row.user)
        except AwsReadError as error:
            if error.code == "NoSuchEntity":
                return "no console password any more (IAM's current answer; the credential report is older)"
            raise
        return None
    if credential == "mfa":
        devices = inv.fetch("iam", "ListMFADevices", home, "MFADevices", UserName=row.user)
        return "an MFA device is registered now (IAM's current answer; the report is older)" if devices else None
    number = int(credential.removeprefix("access_key_"))
    keys = inv.fetch("iam", "ListAccessKeys", home, "AccessKeyMetadata", UserName=row.user)
    key = key_slots(row, keys).get(number)
    if key is None or key.get("Status") != "Active":
        return f"{credential} is inactive or gone now (IAM's current answer; the credential report is older)"
    return None


def fail_unless_gone(
    inv: Inventory, builder: FindingBuilder, row: CredentialRow, credential: str, resource: str, reason: str
) -> None:
    """A failing credential row, unless IAM says now that this run already fixed it."""
    gone = gone_since_report(inv, row, credential)
    if gone:
        builder.passed(resource, GLOBAL, gone)
    else:
        builder.failed(resource, GLOBAL, reason)


def judge_credential(
    inv: Inventory, builder: FindingBuilder, row: CredentialRow, credential: str, ok: bool, *, passed: str, failed: str
) -> None:
    """The row of `row.user`'s `credential` (resource "user:credential"): a PASS saying `passed` when `ok`, else
    a FAIL saying `failed`, unless IAM says now that this run already fixed it."""
    resource = f"{row.user}:{credential}"
    if ok:
        builder.passed(resource, GLOBAL, passed)
    else:
        fail_unless_gone(inv, builder, row, credential, resource, failed)


def root_row(inv: Inventory) -> CredentialRow:
    for row in inv.credential_report():
        if row.is_root:
            return row
    unreadable = inv.unreadable_report_rows()
    if unreadable:  # root's row may be among them
        raise AwsReadError("iam:GetCredentialReport", inv.home_region, "MalformedReportRow", unreadable[0].reason)
    raise AwsReadError(
        "iam:GetCredentialReport",
        inv.home_region,
        "MissingRootRow",
        "the credential report has no <root_account> row",
    )


def report_finding(inv: Inventory, builder: FindingBuilder, *, passed: str, failed: str, empty: str) -> Finding:
    """A credential-report check's finding: the rows it judged cited, and nobody to judge counted as a pass."""
    cite_report_rows(inv, builder)
    return builder.build(passed=passed, failed=failed, empty=empty, empty_status=Status.PASS)
