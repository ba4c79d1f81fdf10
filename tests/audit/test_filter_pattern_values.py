"""The CloudWatch Logs JSON filter-pattern evaluator: quoting, wildcards, numbers, IS NULL / NOT EXISTS / IS
TRUE / IS FALSE, `!=` on missing fields, and selectors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.monitoring import matches
from wizard.monitoring.filter_pattern import Check, Comparison, NumberValue, parse_filter_pattern, wildcard_match

# --- quoting and values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.userIdentity.type = "Root" }',
        "{ $.userIdentity.type = 'Root' }",
        "{ $.userIdentity.type = Root }",
        "{$.userIdentity.type=Root}",
    ],
)
def test_quoting_styles_are_equivalent(pattern: str) -> None:
    assert matches(pattern, {"userIdentity": {"type": "Root"}})
    assert not matches(pattern, {"userIdentity": {"type": "IAMUser"}})


def test_unquoted_dotted_value() -> None:
    assert matches("{ $.eventSource = kms.amazonaws.com }", {"eventSource": "kms.amazonaws.com"})
    assert not matches("{ $.eventSource = kms.amazonaws.com }", {"eventSource": "kms-amazonaws-com"})


def test_quoted_value_with_spaces_and_specials() -> None:
    pattern = '{ $.errorMessage = "Failed authentication" && $.who = "a@b.c $x" }'
    assert matches(pattern, {"errorMessage": "Failed authentication", "who": "a@b.c $x"})


def test_quoted_string_may_contain_the_other_quote_and_operators() -> None:
    assert matches("""{ $.m = "it's (a) && b || c" }""", {"m": "it's (a) && b || c"})
    assert matches("""{ $.m = 'say "hi"' }""", {"m": 'say "hi"'})


def test_backslash_escapes_quote_and_backslash_only() -> None:
    assert matches(r'{ $.m = "a\"b" }', {"m": 'a"b'})
    assert matches(r'{ $.m = "a\\b" }', {"m": "a\\b"})
    assert matches(r'{ $.m = "C:\temp" }', {"m": "C:\\temp"})


def test_empty_quoted_string() -> None:
    assert matches('{ $.m = "" }', {"m": ""})
    assert not matches('{ $.m = "" }', {"m": "x"})


# --- wildcards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*UnauthorizedOperation", "Client.UnauthorizedOperation", True),
        ("*UnauthorizedOperation", "UnauthorizedOperation", True),
        ("*UnauthorizedOperation", "UnauthorizedOperation.Extra", False),
        ("AccessDenied*", "AccessDenied", True),
        ("AccessDenied*", "AccessDeniedException", True),
        ("AccessDenied*", "NotAccessDenied", False),
        ("*Trail*", "UpdateTrailStatus", True),
        ("*Trail*", "Trial", False),
        ("*", "", True),
        ("*", "anything", True),
        # Middle asterisk: the AWS docs say "Ev*ent will only match the actual string Ev*ent".
        ("Ev*ent", "Ev*ent", True),
        ("Ev*ent", "Event", False),
        ("Ev*ent", "EvXYZent", False),
        ("*Put*Policy", "AttachPut*Policy", True),
        ("*Put*Policy", "PutRolePolicy", False),
    ],
)
def test_wildcard_match(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


def test_wildcard_prefix_suffix_middle_in_patterns() -> None:
    assert matches('{ $.errorCode = "*UnauthorizedOperation" }', {"errorCode": "Client.UnauthorizedOperation"})
    assert matches("{ $.errorCode = AccessDenied* }", {"errorCode": "AccessDeniedException"})
    assert matches("{ $.sourceIPAddress != 123.123.* }", {"sourceIPAddress": "10.0.0.1"})
    assert not matches("{ $.sourceIPAddress != 123.123.* }", {"sourceIPAddress": "123.123.4.5"})
    assert not matches('{ $.eventName = "Put*Policy" }', {"eventName": "PutRolePolicy"})


def test_star_alone_matches_any_present_scalar() -> None:
    pattern = "{ $.latency = * }"
    assert matches(pattern, {"latency": 12})
    assert matches(pattern, {"latency": "slow"})
    assert not matches(pattern, {})
    assert not matches(pattern, {"latency": None})
    assert not matches(pattern, {"latency": {"p99": 3}})


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("{ $.latency >= 500 }", 500, True),
        ("{ $.latency >= 500 }", 499.9, False),
        ("{ $.latency > +1000 }", 1001, True),
        ("{ $.latency < -1 }", -2, True),
        ("{ $.latency <= 55.5 }", 55.5, True),
        ("{ $.n < 10e3 }", 9999, True),
        ("{ $.n < 10e-3 }", 0.01, False),
        ("{ $.n < .5 }", 0.25, True),
        ("{ $.errorCode = 400 }", 400, True),
        ("{ $.errorCode = 400 }", 400.0, True),
        ("{ $.errorCode != 500 }", 400, True),
        ("{ $.errorCode != 500 }", 500, False),
        ("{ $.n > 5 }", "7", False),  # numeric operators need a JSON number
        ("{ $.n > 0 }", True, False),  # booleans are not numbers
    ],
)
def test_numeric_comparisons(pattern: str, value: Any, expected: bool) -> None:
    assert matches(pattern, {"latency": value, "n": value, "errorCode": value}) is expected


def test_number_literal_against_string_field_compares_text() -> None:
    assert matches("{ $.code = 400 }", {"code": "400"})
    assert not matches("{ $.code = 400 }", {"code": "400.0"})


def test_string_literal_against_number_field_uses_json_text() -> None:
    assert matches('{ $.status = "4*" }', {"status": 404})
    assert not matches('{ $.status = "5*" }', {"status": 404})


def test_huge_numbers_do_not_crash() -> None:
    assert matches("{ $.n > 1e999 }", {"n": 10**400}) is False
    assert matches("{ $.n < 1e999 }", {"n": 10**400}) is True
    assert matches("{ $.n = 1 }", {"n": 10**5000}) is False


def test_number_value_in_ast() -> None:
    root = parse_filter_pattern("{ $.x = -1.5e2 }").root
    assert isinstance(root, Comparison)
    assert root.value == NumberValue("-1.5e2", -150.0)


# --- IS NULL / NOT EXISTS / IS TRUE / IS FALSE ----------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ("{ $.SomeObject IS NULL }", {"SomeObject": None}, True),
        ("{ $.SomeObject IS NULL }", {}, False),
        ("{ $.SomeObject IS NULL }", {"SomeObject": "x"}, False),
        ("{ $.Other NOT EXISTS }", {}, True),
        ("{ $.Other NOT EXISTS }", {"Other": None}, False),
        ("{ $.Other NOT EXISTS }", {"Other": "x"}, False),
        ("{ $.a.b NOT EXISTS }", {"a": "scalar"}, True),
        ("{ $.ThisFlag IS TRUE }", {"ThisFlag": True}, True),
        ("{ $.ThisFlag IS TRUE }", {"ThisFlag": "true"}, False),
        ("{ $.ThisFlag IS TRUE }", {"ThisFlag": 1}, False),
        ("{ $.ThisFlag IS FALSE }", {"ThisFlag": False}, True),
        ("{ $.ThisFlag IS FALSE }", {}, False),
        ("{ $.ThisFlag is true }", {"ThisFlag": True}, True),
        ("{ $.Other not exists }", {}, True),
    ],
)
def test_checks(pattern: str, event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected


def test_check_ast() -> None:
    root = parse_filter_pattern("{ $.userIdentity.invokedBy NOT EXISTS }").root
    assert root == Check(root.selector, "NOT EXISTS")  # type: ignore[union-attr]


# --- != and missing/non-value fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"eventType": "AwsApiCall"}, True),
        ({"eventType": "AwsServiceEvent"}, False),
        ({}, False),  # absent field: != does not match (decision, see filter_pattern._is_value_node)
        ({"eventType": None}, False),
        ({"eventType": ["AwsApiCall"]}, False),  # docs: selector on an array -> neither = nor != match
        ({"eventType": {"x": 1}}, False),
    ],
)
def test_not_equal(event: dict[str, Any], expected: bool) -> None:
    assert matches('{ $.eventType != "AwsServiceEvent" }', event) is expected


def test_equal_on_array_or_object_never_matches() -> None:
    assert not matches("{ $.users = 1 }", {"users": [1, 2, 3]})
    assert not matches("{ $.users != 1 }", {"users": [1, 2, 3]})


def test_booleans_compare_as_json_text() -> None:
    assert matches("{ $.flag = true }", {"flag": True})
    assert not matches("{ $.flag = true }", {"flag": False})


# --- selectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ('{ $.arrayKey[0] = "value" }', {"arrayKey": ["value", "another value"]}, True),
        ('{ $.arrayKey[1] = "value" }', {"arrayKey": ["value", "another value"]}, False),
        ('{ $.arrayKey[5] = "value" }', {"arrayKey": ["value"]}, False),
        ('{ $.arrayKey[0] = "v" }', {"arrayKey": "v"}, False),  # not an array
        ("{ $.objectList[1].id = 2 }", {"objectList": [{"id": 1}, {"id": 2}]}, True),
        ("{ $.objectList[1].id = 2 }", {"objectList": [{"id": 1}, "b"]}, False),
        ("{ $.a.b.c = deep }", {"a": {"b": {"c": "deep"}}}, True),
        ("{ $.a.b.c = deep }", {"a": {"b": None}}, False),
        ("{ $.request-id = x }", {"request-id": "x"}, True),
        ("{ $.user_name = x }", {"user_name": "x"}, True),
    ],
)
def test_selectors(pattern: str, event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected


def test_fields_lists_selectors() -> None:
    pattern = parse_filter_pattern(
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS || $.items[0].id > 3 }'
    )
    assert pattern.fields() == {"$.userIdentity.type", "$.userIdentity.invokedBy", "$.items[0].id"}


def test_non_mapping_event_does_not_match() -> None:
    assert not parse_filter_pattern("{ $.a NOT EXISTS }").matches(["a"])  # type: ignore[arg-type]
