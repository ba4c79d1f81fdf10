"""The catalog's text as extracted from the benchmark: no PDF noise, tidy lines, whole titles, rejoined
commands, steps and paragraphs, references."""

from __future__ import annotations

import re

from tests.support.catalog_expectations import TEXT_FIELDS
from wizard.catalog import Catalog, Control

# --- text quality ---------------------------------------------------------------------------------


def all_text(control: Control) -> list[str]:
    return [getattr(control, name) for name in TEXT_FIELDS] + list(control.references)


def test_no_pdf_noise_anywhere(catalog: Catalog) -> None:
    noise = re.compile(r"P a g e|\| ?P ?a ?g ?e|CIS Controls|\(Scored\)|\(Not Scored\)|<span|<pre|\ufffd|\f")
    for control in catalog:
        for text in all_text(control):
            assert not noise.search(text), (control.id, noise.search(text))


def test_text_is_tidy(catalog: Catalog) -> None:
    for control in catalog:
        for name in TEXT_FIELDS:
            text = getattr(control, name)
            assert text == text.strip(), (control.id, name)
            assert "\n\n\n" not in text, (control.id, name)
            assert all(line == line.rstrip() for line in text.split("\n")), (control.id, name)
        assert "\n" not in control.title


def test_titles_are_whole_and_without_scoring_suffix(catalog: Catalog) -> None:
    for control in catalog:
        assert "Scored" not in control.title
        assert control.title[0].isupper()
    assert catalog.get("1.1").title == 'Avoid the use of the "root" account'
    assert catalog.get("1.2").title == (
        "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password"
    )
    assert "14" in catalog.get("1.9").title
    assert catalog.get("1.9").title == "Ensure IAM password policy requires minimum length of 14 or greater"
    assert catalog.get("3.7").title.endswith("disabling or scheduled deletion of customer created CMKs")
    assert catalog.get("4.4").title == 'Ensure routing tables for VPC peering are "least access"'


def test_cis_controls_trailer_is_not_a_recommendation(catalog: Catalog) -> None:
    # "4.3 Ensure the Use of Dedicated Administrative Accounts" is CIS Controls v7 text, not control 4.3.
    assert catalog.get("4.3").title == "Ensure the default security group of every VPC restricts all traffic"
    for control in catalog:
        assert "Dedicated Administrative Accounts" not in control.remediation


def test_3_1_audit_has_exact_filter_pattern(catalog: Catalog) -> None:
    pattern = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    control = catalog.get("3.1")
    assert pattern in control.audit
    assert f"--filter-pattern '{pattern}'" in control.remediation


def test_monitoring_filter_patterns_agree_between_audit_and_remediation(catalog: Catalog) -> None:
    for control in catalog.select("3.*"):
        audit = re.search(r'^"filterPattern":\s+"(\{.*\})"$', control.audit, re.MULTILINE)
        remediation = re.search(r"--filter-pattern '(\{.*\})'", control.remediation)
        assert audit and remediation, control.id
        assert audit.group(1) == remediation.group(1), control.id


def test_wrapped_commands_are_rejoined(catalog: Catalog) -> None:
    assert (
        "aws iam get-credential-report --query 'Content' --output text | base64 -d | "
        "cut -d, -f1,5,11,16 | grep -B1 '<root_account>'" in catalog.get("1.1").audit.split("\n")
    )
    assert "aws cloudtrail get-event-selectors --trail-name <trailname shown in describe-trails>" in catalog.get(
        "2.1"
    ).audit.split("\n")
    assert (
        "aws sns subscribe --topic-arn <sns_topic_arn> --protocol <protocol_for_sns> "
        "--notification-endpoint <sns_subscription_endpoints>" in catalog.get("3.4").remediation.split("\n")
    )
    assert "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)" in catalog.get("3.4").audit


def test_steps_and_headings_are_on_their_own_lines(catalog: Catalog) -> None:
    lines = catalog.get("1.5").audit.split("\n")
    assert "Via AWS Console" in lines
    assert "Via CLI" in lines
    assert "aws iam get-account-password-policy" in lines
    assert lines[lines.index("Via AWS Console") + 1].startswith("1. Login to AWS Console")
    remediation = catalog.get("1.5").remediation.split("\n")
    assert "aws iam update-account-password-policy --require-uppercase-characters" in remediation


def test_paragraphs_are_joined(catalog: Catalog) -> None:
    assert catalog.get("1.1").description == (
        'The "root" account has unrestricted access to all resources in the AWS account. '
        "It is highly recommended that the use of this account be avoided."
    )
    assert catalog.get("1.17").description.count("\n\n") == 1


def test_references(catalog: Catalog) -> None:
    assert catalog.get("1.1").references == (
        "http://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
        "CIS CSC v6.0 #5.1",
    )
    assert "http://docs.aws.amazon.com/general/latest/gr/aws-access-keys-best-practices.html" in (
        catalog.get("1.12").references
    )
    for control in catalog:
        assert len(set(control.references)) == len(control.references), control.id
        for ref in control.references:
            assert ref.startswith(("http://", "https://", "CCE-", "CIS CSC", "Order Hardware MFA")), ref
            if ref.startswith("http"):
                assert " " not in ref, ref
