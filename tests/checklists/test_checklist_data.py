"""The checklists as data: which controls have one, what each step carries, and malformed data rejected."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from actions.checklists import (
    ChecklistError,
    CompletionMode,
    UnknownChecklistError,
    get_checklist,
    load_checklists,
    parse_checklists,
)
from wizard.audit.findings import Finding, Status
from wizard.catalog import load_catalog

API_VISIBLE = {"1.1", "1.2", "1.12", "1.13", "1.14", "1.19"}


def raw_data() -> dict[str, Any]:
    return json.loads(resources.files("actions.checklists").joinpath("checklists.json").read_text())


def first(data: dict[str, Any], control: str) -> dict[str, Any]:
    return next(c for c in data["checklists"] if c["control"] == control)


def test_every_console_or_manual_control_has_a_checklist_and_1_17_too() -> None:
    guided = {c.id for c in load_catalog() if c.fix in ("guided", "manual")}
    assert guided == {"1.1", "1.2", "1.12", "1.13", "1.14", "1.15", "1.19", "4.4"}
    assert list(load_checklists()) == ["1.1", "1.2", "1.12", "1.13", "1.14", "1.15", "1.17", "1.19", "4.4"]


def test_completion_rules_are_the_ones_the_issue_names() -> None:
    checklists = load_checklists()
    for control_id in API_VISIBLE:
        assert checklists[control_id].completion.mode is CompletionMode.CHECK, control_id
    assert checklists["1.15"].completion.mode is CompletionMode.ATTESTATION
    assert checklists["1.17"].completion.mode is CompletionMode.CHECK_OR_ATTESTATION
    assert checklists["4.4"].completion.mode is CompletionMode.CHECK_OR_ATTESTATION
    for checklist in checklists.values():
        assert checklist.completion.check == checklist.control_id
        assert checklist.completion.accepts_attestation == (checklist.completion.statement is not None)


def test_every_step_is_complete_and_links_are_https_aws_pages() -> None:
    for checklist in load_checklists().values():
        assert checklist.steps and checklist.summary and checklist.completion.note
        for step in checklist.steps:
            assert step.title and step.text
            link = step.link_for("eu-west-1")
            if link is not None:
                assert link.startswith("https://") and "{" not in link
    assert (
        get_checklist("1.14").step("remove-virtual").link
        == "https://console.aws.amazon.com/iam/home#/security_credentials"
    )
    assert get_checklist("1.19").step("attach-role").link_for("eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
    )


def test_the_warnings_that_matter_are_there() -> None:
    hardware = " ".join(get_checklist("1.14").warnings)
    assert "safe" in hardware and "before you remove the virtual one" in hardware
    keys = " ".join(get_checklist("1.12").warnings)
    assert "deactivated key" in keys and "deleted key is gone for good" in keys


def test_the_sandbox_stand_in_for_removing_roots_virtual_device_is_a_valid_call() -> None:
    call = get_checklist("1.14").step("remove-virtual").sandbox
    assert call is not None
    rendered = call.api_call(account_id="123456789012", region="us-east-1").cli()
    assert rendered.startswith("aws iam delete-virtual-mfa-device --serial-number ")
    assert "arn:aws:iam::123456789012:mfa/root-account-mfa-device" in rendered


def test_attest_when_1_17_only_for_an_unsupported_api() -> None:
    completion = get_checklist("1.17").completion
    unsupported = Finding("1.17", Status.ERROR, "no API", error_code="UnsupportedOperation")
    denied = Finding("1.17", Status.ERROR, "denied", error_code="AccessDenied")
    incomplete = Finding("1.17", Status.FAIL, "missing PhoneNumber")
    assert completion.allows_attestation(unsupported)
    assert not completion.allows_attestation(denied)
    assert not completion.allows_attestation(incomplete)


def test_unknown_control_without_checklist_is_named() -> None:
    with pytest.raises(UnknownChecklistError, match=r"'1\.5' has no guided checklist \(checklists: 1\.1, 1\.2"):
        get_checklist("1.5")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: first(d, "1.14").update(extra=1), "checklist 1.14, 'extra': unknown field"),
        (lambda d: first(d, "1.14")["steps"][0].update(link="http://example.com/x"), "not an https link to an AWS"),
        (lambda d: first(d, "1.14")["steps"][0].update(link="https://{zone}.console.aws.amazon.com/"), "{zone}"),
        (lambda d: first(d, "1.14")["steps"][1].update(id="get-device"), "step ids must be unique"),
        (lambda d: first(d, "1.14")["steps"][0].update(id="Bad Id"), "short slug"),
        (lambda d: first(d, "1.14")["steps"][0].pop("text"), "'steps[0].text': missing field"),
        (lambda d: first(d, "1.14")["completion"].update(check="9.9"), "'9.9' has no check"),
        (lambda d: first(d, "1.14")["completion"].update(mode="vibes"), "must be one of check"),
        (lambda d: first(d, "1.15")["completion"].pop("statement"), "needs attest_when and statement"),
        (lambda d: first(d, "1.14")["completion"].update(statement="x"), "must not have attest_when and statement"),
        (lambda d: first(d, "4.4")["completion"]["attest_when"].update(statuses=["PASS"]), "non-passing statuses"),
        (lambda d: first(d, "1.14").update(control="9.9"), "unknown control '9.9'"),
        (lambda d: d["checklists"].append(copy.deepcopy(first(d, "1.2"))), "a second checklist"),
        (
            lambda d: first(d, "1.14")["steps"][4]["sandbox"]["params"].update(SerialNumbr="x"),
            "DeleteVirtualMFADevice",
        ),
        (lambda d: first(d, "1.14").update(warnings=["ok", ""]), "'warnings': must be non-empty text"),
    ],
)
def test_malformed_data_is_rejected_naming_checklist_and_field(mutate, message) -> None:  # type: ignore[no-untyped-def]
    data = raw_data()
    mutate(data)
    with pytest.raises(ChecklistError) as raised:
        parse_checklists(data)
    assert message in str(raised.value)


def test_the_whole_file_must_have_a_version() -> None:
    data = raw_data()
    data["version"] = 2
    with pytest.raises(ChecklistError, match="version 1"):
        parse_checklists(data)
