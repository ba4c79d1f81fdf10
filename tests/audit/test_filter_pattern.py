"""Unit tests for the CloudWatch Logs JSON filter-pattern parser and evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.monitoring.filter_pattern import (
    MAX_NESTING_DEPTH,
    And,
    Check,
    Comparison,
    FilterPatternError,
    NumberValue,
    Or,
    StringValue,
    parse_filter_pattern,
    wildcard_match,
)


def matches(pattern: str, event: dict[str, Any]) -> bool:
    return parse_filter_pattern(pattern).matches(event)


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


# --- malformed patterns ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragment", "position"),
    [
        ("", "empty filter pattern", 0),
        ("   \n ", "empty filter pattern", 0),
        ("ERROR", "not a JSON filter pattern (must be wrapped in { })", 0),
        ('"ERROR" -"Exiting"', "not a JSON filter pattern", 0),
        ("?ERROR ?WARN", "not a JSON filter pattern", 0),
        ("[ip, user, status_code = 4*]", "not a JSON filter pattern", 0),
        ("{ }", "empty JSON filter pattern", 2),
        ("{ ($.a = b }", "unbalanced parenthesis: no ')' for the '('", 2),
        ("{ (($.a = b) }", "unbalanced parenthesis", 2),
        ("{ $.a = b) }", "unbalanced parenthesis: unexpected ')'", 9),
        ("{ $.a = b", "missing closing '}'", 9),
        ("{ ($.a = b)", "missing closing '}'", 11),
        ("{ $.a = b }}", "unexpected '}' after the closing '}'", 11),
        ("{ $.a = b } && $.c = d", "after the closing '}'", 12),
        ("{ $.a = }", "expected a value after '='", 8),
        ("{ $.a }", "expected an operator", 6),
        ("{ $.a CreateTrail }", "expected an operator", 6),
        ("{ = b }", "expected a condition", 2),
        ("{ $.a = b && }", "dangling '&&'", 13),
        ("{ $.a = b || }", "dangling '||'", 13),
        ("{ && $.a = b }", "expected a condition", 2),
        ("{ $.a = b && && $.c = d }", "dangling '&&'", 13),
        ("{ $.a = b $.c = d }", "expected '&&', '||' or '}'", 10),
        ("{ ($.a = b $.c = d) }", "expected '&&', '||' or ')'", 11),
        ('{ $.a = "abc }', "unterminated string starting", 8),
        ("{ $.a = 'abc }", "unterminated string starting", 8),
        ("{ $.a & $.b }", "unexpected '&' (did you mean '&&'?)", 6),
        ("{ $.a = b | $.c = d }", "unexpected '|' (did you mean '||'?)", 10),
        ("{ $.a == b }", "'=='", 6),
        ("{ $.a ! b }", "'!='", 6),
        ("{ $.a > abc }", "operator '>' needs a number", 8),
        ('{ $.a <= "5" }', "operator '<=' needs a number", 9),
        ("{ $ = b }", "incomplete selector", 2),
        ("{ $. = b }", "expected a property name", 4),
        ("{ $.a. = b }", "expected a property name", 6),
        ("{ $[0] = b }", "must start with a property", 3),
        ("{ $.a[x] = b }", "malformed array index", 5),
        ("{ $.a[0 = b }", "malformed array index", 5),
        ("{ $.a[1234567890123] = b }", "array index too large", 5),
        ("{ a = b }", "expected a condition", 2),
        ("{ $.a IS }", "expected NULL, TRUE or FALSE after 'IS'", 9),
        ("{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE", 9),
        ("{ $.a NOT NULL }", "expected EXISTS after 'NOT'", 10),
        ("{ () }", "empty parentheses", 3),
        ("{ $.a = %ERR.*% }", "regular-expression values", 8),
        ("{ [a] }", "unexpected '['", 2),
    ],
)
def test_malformed_patterns(pattern: str, fragment: str, position: int) -> None:
    with pytest.raises(FilterPatternError) as caught:
        parse_filter_pattern(pattern)
    assert fragment in str(caught.value)
    assert caught.value.position == position
    assert f"column {position - pattern.rfind(chr(10), 0, position)}" in str(caught.value)


def test_error_message_names_column() -> None:
    with pytest.raises(FilterPatternError, match=r"unbalanced parenthesis: unexpected '\)' at column 17$"):
        parse_filter_pattern("{ $.eventName =X) }")


def test_error_on_multiline_pattern_names_line_and_column() -> None:
    with pytest.raises(FilterPatternError) as caught:
        parse_filter_pattern("{ $.a = b ||\n  $.c\n}")
    assert caught.value.line == 3
    assert caught.value.column == 1
    assert str(caught.value).endswith("at line 3, column 1")


def test_too_deep_nesting_is_an_error_not_a_recursion_error() -> None:
    depth = MAX_NESTING_DEPTH + 1
    with pytest.raises(FilterPatternError, match="nested deeper"):
        parse_filter_pattern("{" + "(" * depth + "$.a = b" + ")" * depth + "}")
    with pytest.raises(FilterPatternError):
        parse_filter_pattern("{" + "(" * 100_000 + "$.a = b" + ")" * 100_000 + "}")


def test_long_flat_chains_parse() -> None:
    pattern = "{ " + " || ".join(f"$.eventName = E{i}" for i in range(5000)) + " }"
    assert parse_filter_pattern(pattern).matches({"eventName": "E4999"})


def test_non_string_input_raises_filter_pattern_error() -> None:
    with pytest.raises(FilterPatternError):
        parse_filter_pattern(None)  # type: ignore[arg-type]


def test_filter_pattern_error_is_value_error() -> None:
    assert issubclass(FilterPatternError, ValueError)


# --- fuzzing --------------------------------------------------------------------------------------

_PATTERN_ALPHABET = st.sampled_from(
    [*"{}()[]$.=!<>&|\"'*\\ \n\t%,-+0123456789eEaAbZ_", "IS", "NOT", "NULL", "EXISTS", "TRUE", "$.a"]
)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text_raises_only_filter_pattern_error(text: str) -> None:
    _parse_and_evaluate(text)


@settings(max_examples=800, deadline=None)
@given(st.lists(_PATTERN_ALPHABET, max_size=40).map("".join))
def test_fuzz_pattern_like_text_raises_only_filter_pattern_error(text: str) -> None:
    _parse_and_evaluate("{" + text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PATTERN_ALPHABET, max_size=60).map(lambda parts: "{ " + "".join(parts) + " }"))
def test_fuzz_braced_text(text: str) -> None:
    _parse_and_evaluate(text)


def _parse_and_evaluate(text: str) -> None:
    try:
        pattern = parse_filter_pattern(text)
    except FilterPatternError as error:
        assert str(error)
        assert 0 <= error.position <= len(text)
        return
    event = {"a": [1, {"b": None}], "A": "x", "Z": True, "e": 10**400}
    assert pattern.matches(event) in (True, False)
    assert isinstance(pattern.fields(), set)


_SELECTORS = st.sampled_from(["$.a", "$.b.c", "$.d[0]", "$.d[1].e"])
_EQUALITY_VALUES = st.sampled_from(["x", '"x y"', "'q'", "*x", "x*", "*", "1", "-2.5", '""'])
_NUMBERS = st.sampled_from(["0", "1", "-2.5", "1e3", "+7"])
_EVENTS = st.fixed_dictionaries(
    {},
    optional={
        "a": st.sampled_from(["x", "ax", "xa", "x y", "q", 1, -2.5, None, True, [1], {"k": 1}]),
        "b": st.fixed_dictionaries({}, optional={"c": st.sampled_from(["x", 0, 1000.0, None])}),
        "d": st.lists(st.sampled_from(["x", 1, {"e": "x"}, {"e": 7}]), max_size=3),
    },
)


def _condition(separator: str) -> st.SearchStrategy[str]:
    equality = st.tuples(_SELECTORS, st.sampled_from(["=", "!="]), _EQUALITY_VALUES)
    numeric = st.tuples(_SELECTORS, st.sampled_from(["<", ">", "<=", ">="]), _NUMBERS)
    comparisons = (equality | numeric).map(lambda parts: separator.join(parts))
    checks = st.tuples(_SELECTORS, st.sampled_from(["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"]))
    return comparisons | checks.map(" ".join)


def _expression(separator: str) -> st.SearchStrategy[str]:
    def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        joined = st.tuples(children, st.sampled_from(["&&", "||"]), children)
        return joined.map(lambda parts: "(" + separator.join(parts) + ")")

    return st.recursive(_condition(separator), combine, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_generated_patterns_parse_and_whitespace_does_not_change_meaning(data: st.DataObject) -> None:
    spaced = data.draw(_expression(" "))
    compact = spaced.replace(" && ", "&&").replace(" || ", "||").replace(" = ", "=").replace(" != ", "!=")
    multiline = spaced.replace(" && ", "\n&&\n").replace(" || ", "\n  || ")
    patterns = [parse_filter_pattern(f"{{ {text} }}") for text in (spaced, compact, multiline)]
    for _ in range(5):
        event = data.draw(_EVENTS)
        assert len({pattern.matches(event) for pattern in patterns}) == 1
