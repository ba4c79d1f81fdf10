"""Section 1: Identity and Access Management (1.1-1.22; the password policy rules 1.5-1.11 are in
section_1_password_policy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wizard.audit.findings import Finding, FindingBuilder, Status
from wizard.aws.policy_documents import PolicyDocumentError, default_version_document, document_grants_full_admin
from wizard.checks.credential_rows import (
    GLOBAL,
    cite_report_rows,
    console_users,
    days_since,
    fail_unless_gone,
    gone_since_report,
    judge_credential,
    report_finding,
    report_users,
    root_row,
)
from wizard.checks.registry import each_region, register
from wizard.checks.thresholds import (
    KEY_ROTATION_DAYS,
    ROOT_USE_WINDOW_DAYS,
    UNUSED_CREDENTIAL_DAYS,
)
from wizard.collectors.cache import cite
from wizard.collectors.inventory import Inventory

SUPPORT_POLICY_SUFFIX = ":iam::aws:policy/AWSSupportAccess"
ROOT_VIRTUAL_MFA_SUFFIX = ":mfa/root-account-mfa-device"


@register("1.1", reads=("credential_report",))
def root_account_use(inv: Inventory, builder: FindingBuilder) -> Finding:
    root = root_row(inv)
    uses = {"password": root.password_last_used}
    uses.update({f"access key {k.number}": k.last_used for k in root.keys})
    recent = {what: when for what, when in uses.items() if when and days_since(when, inv.now) < ROOT_USE_WINDOW_DAYS}
    if recent:
        what, when = max(recent.items(), key=lambda item: item[1])
        builder.failed(
            root.arn,
            GLOBAL,
            f"root's {what} was used {days_since(when, inv.now)} day(s) ago ({when:%Y-%m-%d})",
        )
    else:
        last = max((w for w in uses.values() if w), default=None)
        seen = f"last used {last:%Y-%m-%d}" if last else "no recorded use"
        builder.passed(root.arn, GLOBAL, f"root not used in the last {ROOT_USE_WINDOW_DAYS} days ({seen})")
    cite_report_rows(inv, builder)
    return builder.build(passed="The root user has not been used recently.", failed="The root user was used recently.")


@register("1.2", reads=("credential_report",))
def console_users_have_mfa(inv: Inventory, builder: FindingBuilder) -> Finding:
    for row in console_users(inv, builder):
        if row.mfa_active:
            builder.passed(row.user, GLOBAL, "console password with MFA")
        elif not gone_since_report(inv, row, "password"):
            fail_unless_gone(inv, builder, row, "mfa", row.user, "console password without MFA")
    return report_finding(
        inv,
        builder,
        passed="All {total} console users have MFA.",
        failed="{failing} of {total} console users have no MFA.",
        empty="No IAM user has a console password.",
    )


def _last_activity(used: datetime | None, fallback: datetime | None) -> tuple[datetime | None, str]:
    if used:
        return used, "last used"
    return fallback, "never used, set up"


@register("1.3", reads=("credential_report",))
def unused_credentials_disabled(inv: Inventory, builder: FindingBuilder) -> Finding:
    for row in report_users(inv, builder):
        credentials: list[tuple[str, datetime | None, str]] = []
        if row.password_enabled:
            when, how = _last_activity(row.password_last_used, row.password_last_changed or row.created)
            credentials.append(("password", when, how))
        for key in row.active_keys():
            when, how = _last_activity(key.last_used, key.last_rotated or row.created)
            credentials.append((f"access_key_{key.number}", when, how))
        for credential, when, how in credentials:
            if when is None:
                builder.passed(f"{row.user}:{credential}", GLOBAL, f"{credential} has no recorded dates")
                continue
            days = days_since(when, inv.now)
            text = f"{credential} {how} {days} day(s) ago"
            judge_credential(inv, builder, row, credential, days < UNUSED_CREDENTIAL_DAYS, passed=text, failed=text)
    return report_finding(
        inv,
        builder,
        passed=f"No enabled credential has gone unused for {UNUSED_CREDENTIAL_DAYS} days.",
        failed=f"{{failing}} enabled credential(s) unused for {UNUSED_CREDENTIAL_DAYS} days or more.",
        empty="No user has an enabled password or access key.",
    )


@register("1.4", reads=("credential_report",))
def access_keys_rotated(inv: Inventory, builder: FindingBuilder) -> Finding:
    for row in report_users(inv, builder):
        for key in row.active_keys():
            credential = f"access_key_{key.number}"
            rotated = key.last_rotated or row.created
            if rotated is None:
                builder.passed(f"{row.user}:{credential}", GLOBAL, "no rotation date recorded")
                continue
            days = days_since(rotated, inv.now)
            judge_credential(
                inv,
                builder,
                row,
                credential,
                days <= KEY_ROTATION_DAYS,
                passed=f"active key rotated {days} day(s) ago",
                failed=f"active key last rotated {days} days ago",
            )
    return report_finding(
        inv,
        builder,
        passed=f"All {{total}} active access keys were rotated within {KEY_ROTATION_DAYS} days.",
        failed=f"{{failing}} active access key(s) older than {KEY_ROTATION_DAYS} days.",
        empty="No user has an active access key.",
    )


def _summary_flag(inv: Inventory, builder: FindingBuilder, flag: str, wanted: int, good: str, bad: str) -> Finding:
    value = inv.account_summary().get(flag)
    builder.judge(
        "root", GLOBAL, value == wanted, passed=f"{flag} = {value}: {good}", failed=f"{flag} = {value}: {bad}"
    )
    return builder.build(passed=good[0].upper() + good[1:] + ".", failed=bad[0].upper() + bad[1:] + ".")


@register("1.12", reads=("account_summary",))
def no_root_access_key(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _summary_flag(
        inv, builder, "AccountAccessKeysPresent", 0, "root has no access key", "root has an access key"
    )


@register("1.13", reads=("account_summary",))
def root_mfa(inv: Inventory, builder: FindingBuilder) -> Finding:
    return _summary_flag(inv, builder, "AccountMFAEnabled", 1, "root has MFA enabled", "root has no MFA")


@register("1.14", reads=("account_summary", "virtual_mfa_devices"))
def root_hardware_mfa(inv: Inventory, builder: FindingBuilder) -> Finding:
    if inv.account_summary().get("AccountMFAEnabled") != 1:
        builder.failed("root", GLOBAL, "root has no MFA at all")
    else:
        virtual = [
            d
            for d in inv.virtual_mfa_devices()
            if str(d.get("SerialNumber", "")).endswith(ROOT_VIRTUAL_MFA_SUFFIX)
            or str(d.get("User", {}).get("Arn", "")).endswith(":root")
        ]
        if virtual:
            builder.failed("root", GLOBAL, f"root's MFA is a virtual device ({virtual[0].get('SerialNumber')})")
        else:
            builder.passed("root", GLOBAL, "root has MFA and no virtual MFA device: a hardware device")
    return builder.build(passed="Root uses a hardware MFA device.", failed="Root does not use a hardware MFA device.")


@register("1.15")
def security_questions(inv: Inventory, builder: FindingBuilder) -> Finding:
    return Finding(
        builder.control_id,
        Status.MANUAL,
        "No AWS API shows security questions: check them in the console (Account > Configure Security "
        "Challenge Questions) and attest.",
    )


@register("1.16", reads=("authorization_details",))
def policies_only_on_groups_or_roles(inv: Inventory, builder: FindingBuilder) -> Finding:
    users = inv.authorization_details().users
    with_policies = [u for u in users if u.get("AttachedManagedPolicies") or u.get("UserPolicyList")]
    cite(
        "iam:GetAccountAuthorizationDetails",
        inv.home_region,
        {
            "UserDetailList": [
                {k: u.get(k) for k in ("UserName", "Arn", "AttachedManagedPolicies", "UserPolicyList")}
                for u in with_policies
            ],
            "UsersChecked": len(users),
        },
    )
    for user in users:
        attached = [p["PolicyName"] for p in user.get("AttachedManagedPolicies", [])]
        inline = [p["PolicyName"] for p in user.get("UserPolicyList", [])]
        parts = ([f"attached: {', '.join(attached)}"] if attached else []) + (
            [f"inline: {', '.join(inline)}"] if inline else []
        )
        builder.judge(
            user["UserName"],
            GLOBAL,
            not parts,
            passed="permissions only through groups",
            failed="policies on the user itself (" + "; ".join(parts) + ")",
        )
    return builder.build(
        passed="No user has policies of its own.",
        failed="{failing} user(s) have policies attached directly.",
        empty="The account has no IAM users.",
        empty_status=Status.PASS,
    )


CONTACT_FIELDS = ("FullName", "AddressLine1", "City", "PostalCode", "CountryCode", "PhoneNumber")


@register("1.17", reads=("contact_information",))
def contact_details(inv: Inventory, builder: FindingBuilder) -> Finding:
    contact = inv.contact_information()
    missing = [name for name in CONTACT_FIELDS if not contact.get(name)]
    builder.judge(
        "contact-information",
        GLOBAL,
        not missing,
        passed=f"{contact.get('FullName')}, {contact.get('PhoneNumber')}",
        failed=f"missing {', '.join(missing)}",
    )
    return builder.build(
        passed="Contact details are set; confirm they are current.", failed="Contact details are incomplete."
    )


@register("1.18", reads=("security_contact",))
def security_contact(inv: Inventory, builder: FindingBuilder) -> Finding:
    contact = inv.security_contact() or {}
    email = contact.get("EmailAddress")
    builder.judge(
        "alternate-contact:SECURITY",
        GLOBAL,
        bool(email),
        passed=f"{contact.get('Name')} <{email}>",
        failed="no security alternate contact registered",
    )
    return builder.build(passed="A security contact is registered.", failed="No security contact is registered.")


@register("1.19", regional_reads=("running_instances",))
def instance_roles(inv: Inventory, builder: FindingBuilder) -> Finding:
    for region, instances in each_region(inv, inv.running_instances, builder):
        for instance in instances:
            profile = instance.get("IamInstanceProfile", {}).get("Arn")
            if profile:
                builder.passed(instance["InstanceId"], region, f"instance profile {profile}")
            else:
                builder.failed(instance["InstanceId"], region, "running without an instance profile (role)")
    return builder.build(
        passed="All {total} running instances use an instance role.",
        failed="{failing} of {total} running instances have no instance role.",
        empty="No running instances.",
    )


@register("1.20", reads=("authorization_details",))
def support_role(inv: Inventory, builder: FindingBuilder) -> Finding:
    for role in inv.authorization_details().roles:
        if any(p.get("PolicyArn", "").endswith(SUPPORT_POLICY_SUFFIX) for p in role.get("AttachedManagedPolicies", [])):
            builder.passed(role["RoleName"], GLOBAL, "role has AWSSupportAccess attached")
    if not builder.resources:
        builder.failed("AWSSupportAccess", GLOBAL, "no role has the AWSSupportAccess policy attached")
    return builder.build(passed="{total} role(s) can manage AWS Support cases.", failed="No support role exists.")


@register("1.21", reads=("credential_report",))
def no_keys_at_initial_setup(inv: Inventory, builder: FindingBuilder) -> Finding:
    for row in console_users(inv, builder):
        for key in row.active_keys():
            resource = f"{row.user}:access_key_{key.number}"
            if key.last_used is None:
                reason = "console user has an active access key that was never used"
                fail_unless_gone(inv, builder, row, f"access_key_{key.number}", resource, reason)
            else:
                builder.passed(resource, GLOBAL, f"key in use (last used {key.last_used:%Y-%m-%d})")
    return report_finding(
        inv,
        builder,
        passed="No console user holds an unused access key.",
        failed="{failing} never-used access key(s) held by console users.",
        empty="No console user has an active access key.",
    )


@register("1.22", reads=("authorization_details",))
def no_full_admin_policies(inv: Inventory, builder: FindingBuilder) -> Finding:
    policies = inv.authorization_details().policies
    admin: list[dict[str, Any]] = []
    for policy in policies:
        try:
            if document_grants_full_admin(default_version_document(policy)):
                admin.append(policy)
        except PolicyDocumentError as error:
            builder.add(policy["Arn"], GLOBAL, Status.ERROR, f"MalformedPolicyDocument: {error}")
    cite(
        "iam:GetAccountAuthorizationDetails",
        inv.home_region,
        {
            "Policies": [
                {
                    "Arn": p.get("Arn"),
                    "AttachmentCount": p.get("AttachmentCount"),
                    "DefaultVersionDocument": default_version_document(p),
                }
                for p in admin
            ],
            "PoliciesChecked": len(policies),
        },
    )
    for policy in admin:
        attachments = int(policy.get("AttachmentCount", 0))
        builder.judge(
            policy["Arn"],
            GLOBAL,
            not attachments,
            passed='allows "*" on "*" but is attached to nothing',
            failed=f'allows "*" on "*" and is attached {attachments} time(s)',
        )
    return builder.build(
        passed='No attached customer-managed policy grants full "*:*" administrative rights.',
        failed='{failing} customer-managed polic(ies) grant full "*:*" rights.',
        empty='No customer-managed policy grants "*:*".',
        empty_status=Status.PASS,
    )
