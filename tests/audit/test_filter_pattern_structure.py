"""The CloudWatch Logs JSON filter-pattern parser: structure and precedence of `&&`, `||` and parentheses, and
white space that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.monitoring import matches
from wizard.monitoring.filter_pattern import MAX_NESTING_DEPTH, And, Comparison, Or, StringValue, parse_filter_pattern

# --- structure and precedence ---------------------------------------------------------------------


def test_single_comparison_ast() -> None:
    root = parse_filter_pattern('{ $.eventName = "CreateTrail" }').root
    assert isinstance(root, Comparison)
    assert root.selector.path == ("eventName",)
    assert root.operator == "="
    assert root.value == StringValue("CreateTrail", quoted=True)


def test_and_binds_tighter_than_or() -> None:
    root = parse_filter_pattern("{ $.a = 1 || $.b = 2 && $.c = 3 }").root
    assert isinstance(root, Or)
    assert isinstance(root.terms[0], Comparison)
    assert isinstance(root.terms[1], And)
    assert len(root.terms[1].terms) == 2


def test_parentheses_override_precedence() -> None:
    root = parse_filter_pattern("{ ($.a = 1 || $.b = 2) && $.c = 3 }").root
    assert isinstance(root, And)
    assert isinstance(root.terms[0], Or)


def test_same_operator_chains_are_flattened() -> None:
    root = parse_filter_pattern("{ ($.a = 1 || $.b = 2) || ($.c = 3 || $.d = 4) }").root
    assert isinstance(root, Or)
    assert len(root.terms) == 4


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"a": "x", "b": "n", "c": "n"}, True),
        ({"a": "n", "b": "y", "c": "z"}, True),
        ({"a": "n", "b": "y", "c": "n"}, False),
    ],
)
def test_precedence_semantics(event: dict[str, Any], expected: bool) -> None:
    assert matches("{ $.a = x || $.b = y && $.c = z }", event) is expected


def test_documented_compound_examples() -> None:
    # The four compound-condition examples from the AWS documentation, with their documented outcomes.
    event = {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
    assert matches('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', event)
    assert not matches('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', event)
    assert matches(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
        event,
    )
    assert not matches(
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
        event,
    )


def test_deep_but_allowed_nesting() -> None:
    depth = MAX_NESTING_DEPTH
    pattern = "{" + "(" * depth + "$.a = b" + ")" * depth + "}"
    assert matches(pattern, {"a": "b"})


# --- whitespace -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "{($.eventName=CreateTrail)||($.eventName=StopLogging)}",
        "{ ( $.eventName = CreateTrail ) || ( $.eventName = StopLogging ) }",
        "{\n  ($.eventName = CreateTrail) ||\n  ($.eventName = StopLogging)\n}",
        "\t{ ($.eventName\n=\nCreateTrail)\r\n||($.eventName = StopLogging) }  \n",
        "{ $.eventName = CreateTrail || $.eventName = StopLogging }",
    ],
)
def test_whitespace_variants(pattern: str) -> None:
    assert matches(pattern, {"eventName": "StopLogging"})
    assert matches(pattern, {"eventName": "CreateTrail"})
    assert not matches(pattern, {"eventName": "DescribeTrails"})
