"""CIS v1.2.0 3.1-3.14 metric filters are matched by meaning, not by text."""

from __future__ import annotations

import pytest

from wizard.monitoring.coverage import (
    CIS_FILTER_PATTERNS,
    CONTROL_SAMPLES,
    UNIVERSAL_NEGATIVES,
    FilterCoverage,
    evaluate_filter,
)
from wizard.monitoring.filter_pattern import And, Comparison, Node, Or, StringValue, parse_filter_pattern

CONTROL_IDS = [f"3.{number}" for number in range(1, 15)]


def _or_of_event_names(names: list[str], template: str = "($.eventName = {})", joiner: str = " || ") -> str:
    return "{ " + joiner.join(template.format(name) for name in names) + " }"


def _event_names_in(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(_event_names_in(term) for term in node.terms))
    if isinstance(node, Comparison) and node.selector.text == "$.eventName" and node.operator == "=":
        assert isinstance(node.value, StringValue)
        return {node.value.text}
    return set()


def _inner(pattern: str) -> str:
    stripped = pattern.strip()
    return stripped[1:-1]


# --- the canonical patterns and the sample set -----------------------------------------------------


def test_every_control_has_a_pattern_and_samples() -> None:
    assert list(CIS_FILTER_PATTERNS) == CONTROL_IDS
    assert list(CONTROL_SAMPLES) == CONTROL_IDS


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_canonical_pattern_covers(control_id: str) -> None:
    coverage = evaluate_filter(control_id, CIS_FILTER_PATTERNS[control_id])
    assert coverage == FilterCoverage(control_id, True, (), (), None)


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_canonical_pattern_rejects_near_misses(control_id: str) -> None:
    pattern = parse_filter_pattern(CIS_FILTER_PATTERNS[control_id])
    samples = CONTROL_SAMPLES[control_id]
    assert samples.near_misses
    matched = [sample.label for sample in samples.near_misses if pattern.matches(sample.event)]
    assert matched == []


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_canonical_patterns_match_no_universal_negative(control_id: str) -> None:
    pattern = parse_filter_pattern(CIS_FILTER_PATTERNS[control_id])
    assert [sample.label for sample in UNIVERSAL_NEGATIVES if pattern.matches(sample.event)] == []


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_labels_are_unique(control_id: str) -> None:
    samples = CONTROL_SAMPLES[control_id]
    positives = [sample.label for sample in samples.positives]
    near_misses = [sample.label for sample in samples.near_misses]
    assert len(set(positives)) == len(positives)
    assert len(set(near_misses)) == len(near_misses)


def test_universal_negative_labels_are_unique() -> None:
    labels = [sample.label for sample in UNIVERSAL_NEGATIVES]
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("control_id", ["3.4", "3.5", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"])
def test_one_positive_per_event_name_in_the_pattern(control_id: str) -> None:
    names = _event_names_in(parse_filter_pattern(CIS_FILTER_PATTERNS[control_id]).root)
    positives = CONTROL_SAMPLES[control_id].positives
    assert {sample.event["eventName"] for sample in positives} == names
    assert {sample.label for sample in positives} == names


def test_expected_event_name_counts() -> None:
    counts = {cid: len(CONTROL_SAMPLES[cid].positives) for cid in ("3.4", "3.5", "3.8", "3.14")}
    assert counts == {"3.4": 16, "3.5": 5, "3.8": 9, "3.14": 11}


def test_canonical_patterns_are_the_benchmark_text() -> None:
    assert CIS_FILTER_PATTERNS["3.1"] == (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    )
    assert CIS_FILTER_PATTERNS["3.3"] == (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
    )
    assert "($.eventName=DeletePolicyVersion)" in CIS_FILTER_PATTERNS["3.4"]


# --- variants seen in the wild cover ---------------------------------------------------------------

VARIANTS: list[tuple[str, str]] = [
    # 3.1: no spaces, single quotes, reordered ||, unquoted wildcards
    ("3.1", '{($.errorCode="*UnauthorizedOperation")||($.errorCode="AccessDenied*")}'),
    ("3.1", "{ ($.errorCode = 'AccessDenied*') || ($.errorCode = '*UnauthorizedOperation') }"),
    ("3.1", "{ $.errorCode = *UnauthorizedOperation || $.errorCode = AccessDenied* }"),
    # 3.2: reordered &&, single quotes, extra parentheses
    ("3.2", "{ ($.additionalEventData.MFAUsed != 'Yes') && ($.eventName = 'ConsoleLogin') }"),
    ("3.2", '{ (($.eventName = ConsoleLogin) && (($.additionalEventData.MFAUsed != "Yes"))) }'),
    # 3.3: the CIS excerpt with single quotes (cis/002), no spaces, reordered and parenthesised
    (
        "3.3",
        "{ $.userIdentity.type = 'Root' && $.userIdentity.invokedBy NOT EXISTS && $.eventType != 'AwsServiceEvent' }",
    ),
    (
        "3.3",
        '{$.userIdentity.type="Root"&&$.userIdentity.invokedBy NOT EXISTS&&$.eventType!="AwsServiceEvent"}',
    ),
    (
        "3.3",
        '{ ($.eventType != "AwsServiceEvent") && ($.userIdentity.invokedBy NOT EXISTS) && '
        '($.userIdentity.type = "Root") }',
    ),
    # 3.5: both forms from the Security Hub excerpt (cis/001)
    (
        "3.5",
        "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || "
        "($.eventName=StartLogging) || ($.eventName=StopLogging)}",
    ),
    (
        "3.5",
        "{($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging)}",
    ),
    (
        "3.5",
        '{ $.eventName = "StopLogging" || $.eventName = "StartLogging" || $.eventName = "DeleteTrail" || '
        '$.eventName = "UpdateTrail" || $.eventName = "CreateTrail" }',
    ),
    # 3.6
    ("3.6", "{ ($.errorMessage = 'Failed authentication') && ($.eventName = 'ConsoleLogin') }"),
    # 3.7: quoted, and the same meaning written with && distributed over ||
    (
        "3.7",
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || '
        '($.eventName = "ScheduleKeyDeletion")) }',
    ),
    (
        "3.7",
        "{ ($.eventSource = kms.amazonaws.com && $.eventName = DisableKey) || "
        "($.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion) }",
    ),
    # 3.8: the later publisher's text (cis/003) re-wrapped over lines
    (
        "3.8",
        "{\n  ($.eventSource = s3.amazonaws.com) &&\n  (\n    ($.eventName = PutBucketAcl) ||\n"
        "    ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) ||\n"
        "    ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) ||\n"
        "    ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) ||\n"
        "    ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)\n  )\n}",
    ),
    # 3.9
    (
        "3.9",
        "{ ($.eventSource = 'config.amazonaws.com') && (($.eventName = PutConfigurationRecorder) || "
        "($.eventName = PutDeliveryChannel) || ($.eventName = DeleteDeliveryChannel) || "
        "($.eventName = StopConfigurationRecorder)) }",
    ),
]


@pytest.mark.parametrize(("control_id", "pattern"), VARIANTS)
def test_variants_cover(control_id: str, pattern: str) -> None:
    coverage = evaluate_filter(control_id, pattern)
    assert coverage.covers, coverage


@pytest.mark.parametrize("control_id", ["3.4", "3.10", "3.11", "3.12", "3.13", "3.14"])
@pytest.mark.parametrize(
    ("template", "joiner", "reverse"),
    [
        ("($.eventName = {})", " || ", True),  # reordered operands
        ("$.eventName={}", "||", False),  # no spaces, no parentheses
        ('(($.eventName = "{}"))', " ||\n", True),  # quoted, doubled parentheses, newlines
        ("($.eventName = '{}')", " || ", False),  # single quotes
    ],
)
def test_event_name_list_variants_cover(control_id: str, template: str, joiner: str, reverse: bool) -> None:
    names = sorted(sample.label for sample in CONTROL_SAMPLES[control_id].positives)
    pattern = _or_of_event_names(list(reversed(names)) if reverse else names, template, joiner)
    assert evaluate_filter(control_id, pattern).covers


# --- combined filters ------------------------------------------------------------------------------


def test_combined_3_10_and_3_11_covers_both() -> None:
    combined = "{ (" + _inner(CIS_FILTER_PATTERNS["3.10"]) + ") || (" + _inner(CIS_FILTER_PATTERNS["3.11"]) + ") }"
    assert evaluate_filter("3.10", combined).covers
    assert evaluate_filter("3.11", combined).covers
    assert not evaluate_filter("3.12", combined).covers


def test_one_filter_combining_every_control_covers_each() -> None:
    combined = "{ " + " || ".join(f"({_inner(pattern)})" for pattern in CIS_FILTER_PATTERNS.values()) + " }"
    for control_id in CONTROL_IDS:
        assert evaluate_filter(control_id, combined).covers, control_id


# --- filters that do not cover ---------------------------------------------------------------------


def test_3_5_without_stop_logging_does_not_cover() -> None:
    pattern = (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) }"
    )
    coverage = evaluate_filter("3.5", pattern)
    assert coverage == FilterCoverage("3.5", False, ("StopLogging",), (), None)


def test_3_1_with_only_access_denied_does_not_cover() -> None:
    coverage = evaluate_filter("3.1", '{ ($.errorCode = "AccessDenied*") }')
    assert not coverage.covers
    assert coverage.missing == ("Client.UnauthorizedOperation",)
    assert coverage.overbroad == ()


def test_3_1_exact_access_denied_misses_the_exception_form() -> None:
    coverage = evaluate_filter("3.1", '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = AccessDenied }')
    assert coverage.missing == ("AccessDeniedException",)


def test_3_2_mfa_is_case_sensitive() -> None:
    coverage = evaluate_filter("3.2", '{ $.eventName = ConsoleLogin && $.additionalEventData.MFAUsed = "no" }')
    assert not coverage.covers
    assert len(coverage.missing) == len(CONTROL_SAMPLES["3.2"].positives)


def test_3_2_later_iam_user_success_only_variant_does_not_cover_v1_2_meaning() -> None:
    # The v1.2.0 pattern also fires for failed and root console logins without MFA.
    pattern = (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
    )
    coverage = evaluate_filter("3.2", pattern)
    assert coverage.missing == ("failed ConsoleLogin without MFA", "root ConsoleLogin without MFA")


def test_3_7_without_schedule_key_deletion_does_not_cover() -> None:
    coverage = evaluate_filter("3.7", "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }")
    assert coverage.missing == ("ScheduleKeyDeletion",)


def test_3_8_wrong_event_source_does_not_cover() -> None:
    pattern = CIS_FILTER_PATTERNS["3.8"].replace("s3.amazonaws.com", "s3-outposts.amazonaws.com")
    coverage = evaluate_filter("3.8", pattern)
    assert len(coverage.missing) == 9


@pytest.mark.parametrize("pattern", ["{ $.eventName = * }", "{ $.eventSource = * }", '{ $.eventVersion = "1.*" }'])
@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_catch_all_does_not_cover(control_id: str, pattern: str) -> None:
    coverage = evaluate_filter(control_id, pattern)
    assert not coverage.covers
    assert coverage.missing == ()
    assert coverage.overbroad == tuple(sample.label for sample in UNIVERSAL_NEGATIVES)


def test_any_error_code_is_overbroad_for_3_1() -> None:
    coverage = evaluate_filter("3.1", "{ $.errorCode = * }")
    assert not coverage.covers
    assert coverage.missing == ()
    assert coverage.overbroad == ("GetObject NoSuchKey", "DescribeInstances throttled")


def test_later_broken_3_1_variant_is_overbroad() -> None:
    # A widely copied later variant ORs in `!=` terms, which match almost every event.
    pattern = (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") || ($.eventName != "HeadBucket") }'
    )
    coverage = evaluate_filter("3.1", pattern)
    assert not coverage.covers
    assert "DescribeInstances" in coverage.overbroad


def test_whole_service_is_overbroad_for_3_7() -> None:
    coverage = evaluate_filter("3.7", "{ $.eventSource = kms.amazonaws.com }")
    assert coverage.overbroad == ("kms Decrypt", "kms RotateKey service event")


@pytest.mark.parametrize(
    "pattern",
    [
        "{ ($.eventName = CreateTrail) || ($.eventName = StopLogging }",
        "{ $.eventName = CreateTrail ||",
        "CreateTrail StopLogging",
        "",
    ],
)
def test_malformed_pattern_reports_error(pattern: str) -> None:
    coverage = evaluate_filter("3.5", pattern)
    assert not coverage.covers
    assert coverage.error
    assert coverage.overbroad == ()
    assert coverage.missing == tuple(sample.label for sample in CONTROL_SAMPLES["3.5"].positives)


def test_malformed_error_message_is_the_parse_error() -> None:
    coverage = evaluate_filter("3.5", "{ ($.eventName = CreateTrail }")
    assert coverage.error == "unbalanced parenthesis: no ')' for the '(' at column 3"


def test_unknown_control_raises() -> None:
    with pytest.raises(ValueError, match="unknown CIS control"):
        evaluate_filter("3.15", CIS_FILTER_PATTERNS["3.1"])


def test_evaluation_is_repeatable_with_cache() -> None:
    first = evaluate_filter("3.4", CIS_FILTER_PATTERNS["3.4"])
    second = evaluate_filter("3.4", CIS_FILTER_PATTERNS["3.4"])
    assert first == second
