"""1.17 and 1.18 fixes: the security contact from validated options; contact information only where the account
API works (moto does not implement it: refused with the checklist), merged with what the account has."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from actions.fixes.account_contacts import (
    CONTACT_API_UNAVAILABLE,
    NEEDS_SECURITY_CONTACT,
    contact_information_plan,
    contact_information_plan_for,
    security_contact_plan,
)
from actions.options import FixOptions
from tests.support.accounts import HOME
from tests.support.auditing import audit_one
from tests.support.contacts import COMPLETE_CONTACT, SECURITY_CONTACT_OPTIONS
from tests.support.fixing import assert_nothing_left, fix, fresh_context
from wizard.audit.findings import Status
from wizard.errors import UsageError

# COMPLETE_CONTACT as the 1.17 fix's options give it.
COMPLETE_OPTIONS = FixOptions(
    contact_full_name="Ada Admin",
    contact_address_line1="1 Main St",
    contact_city="Springfield",
    contact_postal_code="12345",
    contact_country_code="US",
    contact_phone="+15550100123",
)


def security_contact() -> dict:
    return boto3.client("account", region_name=HOME).get_alternate_contact(AlternateContactType="SECURITY")[
        "AlternateContact"
    ]


# -- 1.18 --------------------------------------------------------------------------------------------------
def test_1_18_registers_the_security_contact_from_options(ctx) -> None:
    assert audit_one(ctx, "1.18").status is Status.FAIL
    run = fix(ctx, "1.18", options=FixOptions(**SECURITY_CONTACT_OPTIONS))
    [plan] = run.selection.plans
    [step] = plan.steps
    assert (step.service, step.operation) == ("account", "PutAlternateContact")
    assert step.params == {
        "AlternateContactType": "SECURITY",
        "Name": "Sec Team",
        "EmailAddress": "security@example.com",
        "PhoneNumber": "+1 555 0100 123",
        "Title": "CISO",
    }
    assert [u.operation for u in plan.undo] == ["DeleteAlternateContact"]
    assert all(o.ok for o in run.outcomes)
    contact = security_contact()
    assert (contact["Name"], contact["EmailAddress"], contact["Title"]) == (
        "Sec Team",
        "security@example.com",
        "CISO",
    )
    assert audit_one(ctx, "1.18").status is Status.PASS
    assert_nothing_left(ctx, "1.18")
    assert security_contact_plan(fresh_context(ctx, options=FixOptions(**SECURITY_CONTACT_OPTIONS))).is_empty


def test_1_18_without_the_values_is_refused_with_the_flags_it_needs(ctx) -> None:
    run = fix(ctx, "1.18", options=FixOptions())
    assert run.selection.plans == [] and run.journal.entries == []
    [refused] = run.selection.refused
    assert refused.refused == NEEDS_SECURITY_CONTACT
    assert refused.refused == (
        "needs --security-contact-name/--security-contact-email/--security-contact-phone/--security-contact-title"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"security_contact_email": "not-an-address"}, "not a valid e-mail address"),
        ({"security_contact_phone": "555-0100"}, "not an international phone number"),
        ({"security_contact_phone": "+1 555 CALL NOW"}, "not an international phone number"),
        ({"security_contact_phone": "+1234"}, "not an international phone number"),
        ({"security_contact_name": "   "}, "--security-contact-name must be 1-64 characters"),
        ({"security_contact_title": "x" * 51}, "--security-contact-title must be 1-50 characters"),
        ({"security_contact_title": None}, "missing --security-contact-title"),
    ],
)
def test_security_contact_options_are_validated(changes: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        FixOptions(**{**SECURITY_CONTACT_OPTIONS, **changes})


# -- 1.17 --------------------------------------------------------------------------------------------------
def test_1_17_is_refused_where_the_contact_api_is_unavailable(stock_moto_account_api, ctx) -> None:
    assert audit_one(ctx, "1.17").status is Status.ERROR  # moto: account:GetContactInformation not implemented
    options = FixOptions(contact_full_name="Ada Admin", contact_phone="+15550100123")
    plan = contact_information_plan(fresh_context(ctx, options=options))
    assert plan.is_empty
    assert (
        plan.refused
        == CONTACT_API_UNAVAILABLE
        == "the account contact API is not available here: use the 1.17 checklist"
    )


def test_1_17_sets_contact_information_never_set_before(contact_api, ctx) -> None:
    assert audit_one(ctx, "1.17").status is Status.FAIL  # GetContactInformation: ResourceNotFoundException
    run = fix(ctx, "1.17", options=COMPLETE_OPTIONS)
    [plan] = run.selection.plans
    assert [s.operation for s in plan.steps] == ["PutContactInformation"]
    assert all(o.ok for o in run.outcomes)
    stored = boto3.client("account", region_name=HOME).get_contact_information()["ContactInformation"]
    assert stored == COMPLETE_CONTACT
    assert audit_one(ctx, "1.17").status is Status.PASS
    assert_nothing_left(ctx, "1.17")


def test_1_17_puts_merged_contact_information_when_the_api_works() -> None:
    current = {"FullName": "Old Name", "City": "Springfield", "CompanyName": "Example Corp"}
    options = replace(COMPLETE_OPTIONS, contact_city=None, contact_phone="+1 555 0100 123")
    plan = contact_information_plan_for(current, options, HOME)
    [step] = plan.steps
    assert (step.service, step.operation) == ("account", "PutContactInformation")
    assert step.params["ContactInformation"] == {
        "FullName": "Ada Admin",
        "City": "Springfield",
        "CompanyName": "Example Corp",
        "AddressLine1": "1 Main St",
        "PostalCode": "12345",
        "CountryCode": "US",
        "PhoneNumber": "+1 555 0100 123",
    }
    assert any("Kept from the account" in n and "City" in n for n in plan.notes)
    assert plan.undo == ()  # the old details were incomplete: the API cannot take them back
    assert contact_information_plan_for(COMPLETE_CONTACT, options, HOME).is_empty


def test_1_17_names_the_missing_values() -> None:
    plan = contact_information_plan_for({"FullName": "Ada"}, FixOptions(contact_city="Springfield"), HOME)
    assert plan.is_empty
    assert plan.refused is not None
    for flag in ("--contact-address-line1", "--contact-postal-code", "--contact-country-code", "--contact-phone"):
        assert flag in plan.refused
    assert "--contact-full-name" not in plan.refused and "--contact-city" not in plan.refused


def test_contact_options_are_validated() -> None:
    with pytest.raises(UsageError, match="--contact-country-code"):
        FixOptions(contact_country_code="USA")
    with pytest.raises(UsageError, match="--contact-phone"):
        FixOptions(contact_phone="0800 123 456")
    with pytest.raises(UsageError, match="--contact-postal-code must be 1-20"):
        FixOptions(contact_postal_code="1" * 21)
