"""Malformed CloudWatch Logs filter patterns give a FilterPatternError naming the place, never another
exception; fuzzed and generated patterns too."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.monitoring.filter_pattern import MAX_NESTING_DEPTH, FilterPatternError, parse_filter_pattern

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
