"""1.17 (the account's contact information) and 1.18 (its security contact), from values the admin gives.

Neither is guessed: without the values, the plan is refused and says which flags it needs. 1.17's API
(account:PutContactInformation) is not available everywhere (moto, some partitions); then the 1.17 checklist
is the way.
"""

from __future__ import annotations

from typing import Any

from actions.options import CONTACT_OPTION_FIELDS, SECURITY_CONTACT_FIELDS, FixOptions, option_flag
from actions.registry import FixContext, PlanDraft, register_fix
from wizard.checks.section_1_identity import CONTACT_FIELDS
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall, Risk

SECURITY = "SECURITY"
NEEDS_SECURITY_CONTACT = "needs " + "/".join(option_flag(name) for name in SECURITY_CONTACT_FIELDS)
CONTACT_API_UNAVAILABLE = "the account contact API is not available here: use the 1.17 checklist"
UNSUPPORTED_CODES = ("UnsupportedOperation", "NotImplemented", "InvalidAction", "UnknownOperationException")
CONTACT_MEMBERS = tuple(member for member, _ in CONTACT_OPTION_FIELDS.values())
FLAG_FOR_MEMBER = {member: option_flag(name) for name, (member, _) in CONTACT_OPTION_FIELDS.items()}
FIELD_FOR_MEMBER = {member: name for name, (member, _) in CONTACT_OPTION_FIELDS.items()}


# -- 1.18 --------------------------------------------------------------------------------------------------
@register_fix(
    "security-contact",
    ("1.18",),
    title="Register the account's security contact",
    permissions=("account:GetAlternateContact", "account:PutAlternateContact", "account:DeleteAlternateContact"),
)
def security_contact_plan(fix: FixContext) -> PlanDraft:
    current = fix.inventory.security_contact()
    if current and current.get("EmailAddress"):
        return PlanDraft()
    wanted = fix.options.security_contact()
    if wanted is None:
        return PlanDraft(refused=NEEDS_SECURITY_CONTACT, needs=SECURITY_CONTACT_FIELDS)
    region = fix.home_region
    put = ApiCall(
        "put-security-contact",
        "account",
        "PutAlternateContact",
        {"AlternateContactType": SECURITY, **wanted},
        region,
        f"register {wanted['Name']} <{wanted['EmailAddress']}> as the contact AWS tells about security issues",
        Risk.SAFE,
    )
    undo = ApiCall(
        "remove-security-contact",
        "account",
        "DeleteAlternateContact",
        {"AlternateContactType": SECURITY},
        region,
        "remove the security contact again",
    )
    notes = (
        f"AWS sends security notices (abuse reports, compromised credentials) to {wanted['EmailAddress']}: a "
        "monitored team mailbox outlives any one person's address.",
    )
    return PlanDraft((put,), undo=(undo,), notes=notes)


# -- 1.17 --------------------------------------------------------------------------------------------------
def contact_information_plan_for(current: dict[str, Any], options: FixOptions, region: str) -> PlanDraft:
    """The 1.17 plan from the account's current contact information and the admin's values (pure)."""
    if all(current.get(member) for member in CONTACT_FIELDS):
        return PlanDraft()
    before = {m: current[m] for m in CONTACT_MEMBERS if current.get(m)}
    given = options.contact_information()
    merged = {**before, **given}
    if "CountryCode" in merged:
        merged["CountryCode"] = str(merged["CountryCode"]).upper()
    missing = [member for member in CONTACT_FIELDS if not merged.get(member)]
    if missing:
        flags = "/".join(FLAG_FOR_MEMBER[m] for m in missing)
        has = "has no" if not before else "lacks"
        return PlanDraft(
            refused=f"needs {flags} (the account {has} {', '.join(missing)}); or use the 1.17 checklist",
            needs=[FIELD_FOR_MEMBER[m] for m in missing],
        )
    put = ApiCall(
        "put-contact-information",
        "account",
        "PutContactInformation",
        {"ContactInformation": merged},
        region,
        "set the account's contact information (what is there and not given again is kept)",
        Risk.SAFE,
    )
    kept = sorted(set(before) - set(given))
    notes = ["AWS uses these details to reach the account owner (billing, abuse, account recovery)."]
    if kept:
        notes.append("Kept from the account as it is: " + ", ".join(kept) + ".")
    undo: tuple[ApiCall, ...] = ()
    if all(before.get(member) for member in CONTACT_FIELDS):
        undo = (
            ApiCall(
                "restore-contact-information",
                "account",
                "PutContactInformation",
                {"ContactInformation": before},
                region,
                "put the previous contact information back",
            ),
        )
    else:
        notes.append(
            "No undo: the previous contact information was incomplete, and the API only accepts complete details."
        )
    return PlanDraft((put,), undo=undo, notes=notes)


@register_fix(
    "contact-information",
    ("1.17",),
    title="Complete the account's contact information",
    permissions=("account:GetContactInformation", "account:PutContactInformation"),
)
def contact_information_plan(fix: FixContext) -> PlanDraft:
    try:
        current = fix.inventory.contact_information()
    except AwsReadError as error:
        # More than the generic refusal: where the API is missing, the checklist is the way.
        refused = CONTACT_API_UNAVAILABLE
        if error.code not in UNSUPPORTED_CODES:
            refused += f" ({error.reason})"
        return PlanDraft(refused=refused)
    return contact_information_plan_for(current, fix.options, fix.home_region)
