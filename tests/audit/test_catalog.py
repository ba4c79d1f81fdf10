"""Tests for wizard/catalog.py and the CIS AWS Foundations Benchmark v1.2.0 data it loads."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from wizard.catalog import (
    Catalog,
    CatalogError,
    Control,
    UnknownControlError,
    control_id_key,
    load_catalog,
    parse_catalog,
)

TEXT_FIELDS = ("title", "description", "rationale", "audit", "remediation")

EXPECTED_IDS = (
    [f"1.{n}" for n in range(1, 23)]
    + [f"2.{n}" for n in range(1, 10)]
    + [f"3.{n}" for n in range(1, 15)]
    + [f"4.{n}" for n in range(1, 5)]
)

EXPECTED_SECURITY_HUB: dict[str, list[str]] = {
    "1.1": ["CloudWatch.1", "IAM.20"],
    "1.2": ["IAM.5"],
    "1.3": ["IAM.8"],
    "1.4": ["IAM.3"],
    **{f"1.{n}": [f"IAM.{n + 6}"] for n in range(5, 12)},
    "1.12": ["IAM.4"],
    "1.13": ["IAM.9"],
    "1.14": ["IAM.6"],
    "1.15": [],
    "1.16": ["IAM.2"],
    "1.17": [],
    "1.18": [],
    "1.19": [],
    "1.20": ["IAM.18"],
    "1.21": [],
    "1.22": ["IAM.1"],
    "2.1": ["CloudTrail.1"],
    "2.2": ["CloudTrail.4"],
    "2.3": ["CloudTrail.6"],
    "2.4": ["CloudTrail.5"],
    "2.5": ["Config.1"],
    "2.6": ["CloudTrail.7"],
    "2.7": ["CloudTrail.2"],
    "2.8": ["KMS.4"],
    "2.9": ["EC2.6"],
    "3.1": ["CloudWatch.2"],
    "3.2": ["CloudWatch.3"],
    "3.3": ["CloudWatch.1"],
    **{f"3.{n}": [f"CloudWatch.{n}"] for n in range(4, 15)},
    "4.1": ["EC2.13"],
    "4.2": ["EC2.14"],
    "4.3": ["EC2.2"],
    "4.4": [],
}

EXPECTED_FIX: dict[str, str] = {
    "1.1": "guided",
    "1.2": "guided",
    "1.3": "auto",
    "1.4": "auto",
    **{f"1.{n}": "auto" for n in range(5, 12)},
    "1.12": "guided",
    "1.13": "guided",
    "1.14": "guided",
    "1.15": "guided",
    "1.16": "auto",
    "1.17": "auto",
    "1.18": "auto",
    "1.19": "guided",
    "1.20": "auto",
    "1.21": "auto",
    "1.22": "auto",
    **{f"2.{n}": "auto" for n in range(1, 10)},
    **{f"3.{n}": "auto" for n in range(1, 15)},
    "4.1": "auto",
    "4.2": "auto",
    "4.3": "auto",
    "4.4": "manual",
}

# Level 2 recommendations per the "Profile Applicability" of each recommendation in the benchmark.
LEVEL_2 = {"1.14", "1.19", "2.2", "2.7", "2.8", "2.9", "3.6", "3.7", "3.9", "3.10", "3.11", "4.3", "4.4"}
NOT_SCORED = {"1.15", "1.17", "1.18", "1.19", "1.21", "4.4"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged catalog JSON."""
    text = resources.files("wizard").joinpath("data").joinpath("catalog.json").read_text(encoding="utf-8")
    return json.loads(text)


def ids(controls: list[Control]) -> list[str]:
    return [c.id for c in controls]


# --- shape and order -----------------------------------------------------------------------------


def test_has_all_49_controls(catalog: Catalog) -> None:
    assert len(catalog) == 49
    assert len(list(catalog)) == 49
    assert list(catalog.ids) == EXPECTED_IDS


def test_benchmark_metadata(catalog: Catalog) -> None:
    assert catalog.name == "CIS Amazon Web Services Foundations Benchmark"
    assert catalog.version == "1.2.0"
    assert dict(catalog.sections) == {
        "1": "Identity and Access Management",
        "2": "Logging",
        "3": "Monitoring",
        "4": "Networking",
    }


def test_controls_are_in_numeric_order(catalog: Catalog) -> None:
    keys = [c.sort_key for c in catalog]
    assert keys == sorted(keys)
    order = list(catalog.ids)
    assert order.index("1.2") < order.index("1.10")
    assert order.index("3.9") < order.index("3.10") < order.index("4.1")


def test_catalog_sorts_controls_given_out_of_order(raw: dict[str, Any]) -> None:
    raw["controls"].reverse()
    assert list(parse_catalog(raw).ids) == EXPECTED_IDS


def test_control_id_key() -> None:
    assert control_id_key("1.10") == (1, 10)
    assert control_id_key(" 3.2 ") == (3, 2)
    assert sorted(["1.10", "1.2", "2.1", "1.1"], key=control_id_key) == ["1.1", "1.2", "1.10", "2.1"]
    for bad in ("1", "1.x", "a.b", "1.2.3", ""):
        with pytest.raises(ValueError):
            control_id_key(bad)


def test_load_catalog_is_cached(catalog: Catalog) -> None:
    assert load_catalog() is catalog


def test_controls_are_frozen_with_tuples(catalog: Catalog) -> None:
    control = catalog.get("1.1")
    assert isinstance(control.security_hub, tuple)
    assert isinstance(control.references, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        control.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.controls = ()  # type: ignore[misc]


def test_section_matches_id_prefix(catalog: Catalog) -> None:
    for control in catalog:
        assert control.section == control.id.split(".")[0]
        assert control.section in catalog.sections


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


# --- levels, scoring, fix kinds, Security Hub -----------------------------------------------------


@pytest.mark.parametrize(
    ("control_id", "level", "scored"),
    [
        ("1.1", 1, True),
        ("1.14", 2, True),
        ("1.15", 1, False),
        ("1.17", 1, False),
        ("1.19", 2, False),
        ("1.21", 1, False),
        ("2.2", 2, True),
        ("2.7", 2, True),
        ("2.9", 2, True),
        ("3.1", 1, True),
        ("3.10", 2, True),
        ("3.12", 1, True),
        ("4.1", 1, True),
        ("4.3", 2, True),
        ("4.4", 2, False),
    ],
)
def test_level_and_scoring(catalog: Catalog, control_id: str, level: int, scored: bool) -> None:
    control = catalog.get(control_id)
    assert (control.level, control.scored) == (level, scored)


def test_level_and_scoring_totals(catalog: Catalog) -> None:
    assert {c.id for c in catalog if c.level == 2} == LEVEL_2
    assert {c.id for c in catalog if not c.scored} == NOT_SCORED


def test_security_hub_mapping_in_full(catalog: Catalog) -> None:
    assert set(EXPECTED_SECURITY_HUB) == set(EXPECTED_IDS)
    actual = {c.id: list(c.security_hub) for c in catalog}
    assert actual == EXPECTED_SECURITY_HUB


def test_fix_mapping_in_full(catalog: Catalog) -> None:
    assert set(EXPECTED_FIX) == set(EXPECTED_IDS)
    assert {c.id: c.fix for c in catalog} == EXPECTED_FIX


# --- lookup and selection -------------------------------------------------------------------------


def test_get(catalog: Catalog) -> None:
    assert catalog.get("2.8").id == "2.8"
    assert catalog.get(" 1.10 ").id == "1.10"
    assert "3.14" in catalog
    assert "3.15" not in catalog


@pytest.mark.parametrize("bad", ["5.1", "1.23", "1.0", "x", "", "1.1.1"])
def test_get_unknown_raises(catalog: Catalog, bad: str) -> None:
    with pytest.raises(UnknownControlError, match="unknown control") as info:
        catalog.get(bad)
    assert isinstance(info.value, ValueError)
    assert "1.1-1.22" in str(info.value)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ("1.5", ["1.5"]),
        ("3.*", [f"3.{n}" for n in range(1, 15)]),
        ("1.1?", [f"1.{n}" for n in range(10, 20)]),
        ("1.1*", ["1.1", *[f"1.{n}" for n in range(10, 20)]]),
        ("4.[13]", ["4.1", "4.3"]),
        ("2.1-2.3", ["2.1", "2.2", "2.3"]),
        ("1.9-1.11", ["1.9", "1.10", "1.11"]),
        ("2.4 - 2.4", ["2.4"]),
        ("4.4,1.1", ["1.1", "4.4"]),
        (" 1.5 , 3.14 ,", ["1.5", "3.14"]),
        ("1.1,1.1,1.1-1.2", ["1.1", "1.2"]),
        ("*", EXPECTED_IDS),
        (
            "1.5,3.*,2.1-2.3",
            ["1.5", "2.1", "2.2", "2.3", *[f"3.{n}" for n in range(1, 15)]],
        ),
    ],
)
def test_select(catalog: Catalog, patterns: str, expected: list[str]) -> None:
    assert ids(catalog.select(patterns)) == expected


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ("9.9", "unknown control '9.9'"),
        ("1.5,7.1", "unknown control '7.1'"),
        ("5.*", "pattern '5.*' matches no control"),
        ("1.5,3.*,6.?", "pattern '6.?' matches no control"),
        ("2.5-3.1", "ranges must stay within one section"),
        ("2.3-2.1", "reversed"),
        ("3.1-3.15", "unknown control '3.15'"),
        ("", "empty control selection"),
        (" , ", "empty control selection"),
        ("iam", "unknown control 'iam'"),
    ],
)
def test_select_rejects_items_matching_nothing(catalog: Catalog, patterns: str, message: str) -> None:
    with pytest.raises(UnknownControlError, match=re.escape(message)):
        catalog.select(patterns)


# --- validation -----------------------------------------------------------------------------------


def test_parse_catalog_accepts_packaged_data(raw: dict[str, Any]) -> None:
    parsed = parse_catalog(raw)
    assert parsed == load_catalog()


def _control(raw: dict[str, Any], control_id: str) -> dict[str, Any]:
    return next(c for c in raw["controls"] if c["id"] == control_id)


def _set(control_id: str, name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        _control(raw, control_id)[name] = value

    return mutate


def _delete(control_id: str, name: str) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        del _control(raw, control_id)[name]

    return mutate


def _duplicate_id(raw: dict[str, Any]) -> None:
    _control(raw, "1.3")["id"] = "1.2"


def _drop_last(raw: dict[str, Any]) -> None:
    raw["controls"].pop()


def _add_copy(raw: dict[str, Any]) -> None:
    extra = copy.deepcopy(_control(raw, "4.4"))
    extra["id"] = "4.5"
    raw["controls"].append(extra)


@pytest.mark.parametrize(
    ("mutate", "control_id", "field"),
    [
        (_duplicate_id, "1.2", "id"),
        (_set("1.4", "id", "1.a"), "1.a", "id"),
        (_set("1.4", "id", "14"), "14", "id"),
        (_set("2.3", "section", "3"), "2.3", "section"),
        (_set("2.3", "level", 3), "2.3", "level"),
        (_set("2.3", "level", "1"), "2.3", "level"),
        (_set("2.3", "level", True), "2.3", "level"),
        (_set("2.3", "scored", "yes"), "2.3", "scored"),
        (_set("2.3", "scored", 1), "2.3", "scored"),
        (_set("3.2", "fix", "automatic"), "3.2", "fix"),
        (_set("3.2", "fix", ["auto"]), "3.2", "fix"),
        (_set("3.2", "title", ""), "3.2", "title"),
        (_set("3.2", "description", "   "), "3.2", "description"),
        (_set("3.2", "rationale", None), "3.2", "rationale"),
        (_set("3.2", "audit", ""), "3.2", "audit"),
        (_set("3.2", "remediation", ""), "3.2", "remediation"),
        (_set("3.2", "security_hub", ["CloudWatch-3"]), "3.2", "security_hub"),
        (_set("3.2", "security_hub", ["CloudWatch."]), "3.2", "security_hub"),
        (_set("3.2", "security_hub", "CloudWatch.3"), "3.2", "security_hub"),
        (_set("3.2", "references", [""]), "3.2", "references"),
        (_set("3.2", "colour", "red"), "3.2", "colour"),
        (_delete("4.1", "fix"), "4.1", "fix"),
        (_delete("4.1", "audit"), "4.1", "audit"),
    ],
)
def test_validation_rejects_broken_entry(
    raw: dict[str, Any], mutate: Callable[[dict[str, Any]], None], control_id: str, field: str
) -> None:
    mutate(raw)
    with pytest.raises(CatalogError) as info:
        parse_catalog(raw)
    assert info.value.control_id == control_id
    assert info.value.field == field
    assert f"control {control_id}" in str(info.value)
    assert repr(field) in str(info.value)


def test_validation_rejects_unknown_section(raw: dict[str, Any]) -> None:
    del raw["sections"]["4"]
    with pytest.raises(CatalogError, match=r"control 4\.1, field 'section': unknown section '4'"):
        parse_catalog(raw)


@pytest.mark.parametrize(("mutate", "count"), [(_drop_last, 48), (_add_copy, 50)])
def test_validation_requires_exactly_49_controls(
    raw: dict[str, Any], mutate: Callable[[dict[str, Any]], None], count: int
) -> None:
    mutate(raw)
    with pytest.raises(CatalogError, match=f"expected 49 controls, found {count}"):
        parse_catalog(raw)


@pytest.mark.parametrize(
    "broken",
    [
        {"sections": {}, "controls": []},
        {"benchmark": {"name": "x"}, "sections": {"1": "a"}, "controls": []},
        {"benchmark": {"name": "x", "version": "1"}, "sections": [], "controls": []},
        {"benchmark": {"name": "x", "version": "1"}, "sections": {"1": "a"}, "controls": {}},
        {"benchmark": {"name": "x", "version": "1"}, "sections": {"1": "a"}, "controls": ["1.1"]},
    ],
)
def test_validation_rejects_broken_top_level(broken: dict[str, Any]) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(broken)


def test_catalog_error_is_value_error() -> None:
    assert issubclass(CatalogError, ValueError)
    assert issubclass(UnknownControlError, ValueError)


# --- packaging and headlessness ---------------------------------------------------------------------


def test_catalog_module_has_no_ui_imports() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, wizard.catalog as c; c.load_catalog(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'questionary', 'rich'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
