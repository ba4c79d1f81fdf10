"""Section 2 checks of the trails themselves against moto: 2.1 (multi-region, logging, all management events),
2.2 log file validation, 2.4 delivery to CloudWatch Logs, 2.7 KMS encryption; a failing and a passing setup each."""

from __future__ import annotations

import pytest

from tests.support.accounts import HOME, OTHER
from tests.support.auditing import audit_one, reasons, statuses
from tests.support.trails import client, make_trail, send_to_log_group, trail_arn
from wizard.audit.findings import Status


# -- 2.1 CloudTrail in all regions ---------------------------------------------------------------------------
def test_2_1_fails_without_any_trail(ctx) -> None:
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert finding.resources == ()
    assert "no CloudTrail trail" in finding.summary
    operations = {(e.operation, e.region) for e in finding.evidence}
    assert operations == {("cloudtrail:DescribeTrails", HOME), ("cloudtrail:DescribeTrails", OTHER)}


def test_2_1_fails_for_single_region_trail(ctx) -> None:
    arn = make_trail("local-trail", multi_region=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert finding.resources[0].region == HOME
    assert finding.resources[0].reason == "not multi-region"


def test_2_1_fails_for_multi_region_trail_that_is_not_logging(ctx) -> None:
    arn = make_trail(start=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert finding.resources[0].reason == "not logging"


def test_2_1_fails_when_logging_is_stopped(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").stop_logging(Name="org-trail")
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "not logging"}


@pytest.mark.parametrize(
    "selector",
    [
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True},
        {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True},
        {"ReadWriteType": "All", "IncludeManagementEvents": False},
    ],
    ids=["write-only", "read-only", "no-management-events"],
)
def test_2_1_fails_when_event_selectors_miss_management_events(ctx, selector: dict) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(TrailName="org-trail", EventSelectors=[selector])
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: "does not capture all (read and write) management events"}


def test_2_1_passes_when_one_of_several_selectors_records_all_management_events(ctx) -> None:
    make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True},
            {"ReadWriteType": "All", "IncludeManagementEvents": True},
        ],
    )
    assert audit_one(ctx, "2.1").status is Status.PASS


def test_2_1_passes_with_advanced_selector_for_all_management_events(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        ],
    )
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert reasons(finding) == {arn: "multi-region, logging, all management events"}


def test_2_1_fails_with_advanced_selector_for_write_only_management_events(ctx) -> None:
    arn = make_trail()
    client("cloudtrail").put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {
                "Name": "management writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            }
        ],
    )
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}


def test_2_1_passes_with_empty_selectors_as_aws_default(ctx) -> None:
    arn = make_trail()
    assert client("cloudtrail").get_event_selectors(TrailName="org-trail")["EventSelectors"] == []
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    operations = {e.operation for e in finding.evidence}
    assert {
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    } <= operations
    describe = next(e for e in finding.evidence if e.operation == "cloudtrail:DescribeTrails")
    assert describe.cli.startswith("aws cloudtrail describe-trails")
    assert "--region" in describe.cli


def test_2_1_passes_for_compliant_trail_homed_in_other_region(ctx) -> None:
    arn = make_trail("eu-trail", region=OTHER)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert arn == trail_arn("eu-trail", OTHER)
    assert finding.resources[0].region == OTHER
    # queried in its home region, not as a shadow copy of us-east-1
    status_reads = [e for e in finding.evidence if e.operation == "cloudtrail:GetTrailStatus"]
    assert [e.region for e in status_reads] == [OTHER]


def test_2_1_finds_a_multi_region_trail_homed_outside_the_audited_regions(aws) -> None:
    from wizard.aws.context import AwsContext, AwsSettings

    arn = make_trail("eu-trail", region=OTHER)
    only_home = AwsContext(AwsSettings(region=HOME, regions=HOME))
    finding = audit_one(only_home, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    status_reads = [e for e in finding.evidence if e.operation == "cloudtrail:GetTrailStatus"]
    assert [e.region for e in status_reads] == [OTHER]


def test_each_trail_is_read_once_though_every_region_sees_it(ctx) -> None:
    make_trail("everywhere", region=HOME)
    audit_one(ctx, "2.1")
    assert ctx.counter.by_operation["cloudtrail:GetTrailStatus"] == 1
    assert ctx.counter.by_operation["cloudtrail:DescribeTrails"] == 2


def test_2_1_passes_when_one_trail_complies_and_lists_the_other(ctx) -> None:
    good = make_trail()
    bad = make_trail("local-trail", multi_region=False)
    finding = audit_one(ctx, "2.1")
    assert finding.status is Status.PASS
    assert statuses(finding) == {good: Status.PASS, bad: Status.FAIL}


# -- 2.2 log file validation ---------------------------------------------------------------------------------
def test_2_2_names_each_trail_without_validation(ctx) -> None:
    validated = make_trail("checked", EnableLogFileValidation=True)
    plain = make_trail("unchecked", region=OTHER)
    finding = audit_one(ctx, "2.2")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {validated: Status.PASS, plain: Status.FAIL}
    assert reasons(finding)[plain] == "log file validation disabled"
    assert {r.id: r.region for r in finding.resources} == {validated: HOME, plain: OTHER}


def test_2_2_passes_when_every_trail_validates(ctx) -> None:
    first = make_trail("checked", EnableLogFileValidation=True)
    second = make_trail("also-checked", region=OTHER)
    client("cloudtrail", OTHER).update_trail(Name="also-checked", EnableLogFileValidation=True)
    finding = audit_one(ctx, "2.2")
    assert finding.status is Status.PASS
    assert statuses(finding) == {first: Status.PASS, second: Status.PASS}


def test_2_2_fails_without_trails(ctx) -> None:
    assert audit_one(ctx, "2.2").status is Status.FAIL


# -- 2.4 trail to CloudWatch Logs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("control_id", "reason"),
    [("2.4", "not sent to CloudWatch Logs"), ("2.7", "logs not encrypted with a KMS key (SSE-KMS)")],
)
def test_2_4_and_2_7_fail_for_a_trail_as_created(ctx, control_id: str, reason: str) -> None:
    """CreateTrail's defaults: no CloudWatch Logs (2.4), no KMS key (2.7)."""
    arn = make_trail()
    finding = audit_one(ctx, control_id)
    assert finding.status is Status.FAIL
    assert reasons(finding) == {arn: reason}


def test_2_4_passes_when_log_group_is_set(ctx) -> None:
    arn = make_trail()
    group = send_to_log_group()
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert group in finding.resources[0].reason


def test_2_4_names_only_the_trail_without_log_group(ctx) -> None:
    sent = make_trail()
    send_to_log_group()
    unsent = make_trail("eu-trail", region=OTHER)
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {sent: Status.PASS, unsent: Status.FAIL}
    assert finding.failing()[0].region == OTHER


def test_2_4_fails_for_stopped_trail_that_never_delivered(ctx) -> None:
    arn = make_trail(start=False)
    send_to_log_group()
    finding = audit_one(ctx, "2.4")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {arn: Status.FAIL}
    assert "not logging" in finding.resources[0].reason


# -- 2.7 trail logs encrypted with KMS -----------------------------------------------------------------------
# (a trail without a KMS key: test_2_4_and_2_7_fail_for_a_trail_as_created)
def test_2_7_passes_for_trail_with_kms_key(ctx) -> None:
    key = client("kms").create_key(Description="cloudtrail")["KeyMetadata"]["Arn"]
    arn = make_trail(KmsKeyId=key)
    finding = audit_one(ctx, "2.7")
    assert finding.status is Status.PASS
    assert statuses(finding) == {arn: Status.PASS}
    assert finding.resources[0].reason == f"encrypted with {key}"


def test_2_7_names_only_the_unencrypted_trail(ctx) -> None:
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    encrypted = make_trail("encrypted", KmsKeyId=key)
    plain = make_trail("plain", region=OTHER)
    finding = audit_one(ctx, "2.7")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {encrypted: Status.PASS, plain: Status.FAIL}
