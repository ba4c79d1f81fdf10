"""Parse and evaluate CloudWatch Logs *JSON* filter patterns (``{ $.field = value && ... }``).

Only the JSON form is supported; term patterns (``ERROR``), space-delimited patterns (``[ip, user]``) and
the empty pattern are rejected with :class:`FilterPatternError`, because the CIS 3.x checks are written
against CloudTrail JSON events.

Grammar (``&&`` binds tighter than ``||``; whitespace and newlines are allowed between any two tokens)::

    pattern    := '{' or_expr '}'
    or_expr    := and_expr ( '||' and_expr )*
    and_expr   := operand ( '&&' operand )*
    operand    := '(' or_expr ')' | condition
    condition  := SELECTOR ( ('=' | '!=') value
                           | ('<' | '>' | '<=' | '>=') NUMBER
                           | 'IS' ('NULL' | 'TRUE' | 'FALSE')
                           | 'NOT' 'EXISTS' )
    value      := "double quoted" | 'single quoted' | bare-word | NUMBER
    SELECTOR   := '$' ( '.' name ) ( '.' name | '[' digits ']' )*

Semantics follow the AWS documentation "Filter pattern syntax for metric filters ... / Using filter
patterns to match terms in JSON log events". Where the documentation is silent, the decision taken is
marked ``DECISION:`` below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

MAX_NESTING_DEPTH: Final = 32
"""Deepest allowed parenthesis nesting; deeper patterns raise FilterPatternError (no unbounded recursion)."""

NUMERIC_OPERATORS: Final = frozenset({"<", ">", "<=", ">="})
EQUALITY_OPERATORS: Final = frozenset({"=", "!="})

# An unquoted number: integer or decimal with optional sign and exponent (ASCII digits only, so that
# float() never sees Unicode digits or underscores).
_NUMBER_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS: Final = frozenset("0123456789")
_MAX_INDEX_DIGITS: Final = 9
# Characters that end a bare (unquoted) word. DECISION: the docs say only all-alphanumeric strings may go
# unquoted, yet their own example (`123.123.*`) and the CIS benchmark (`kms.amazonaws.com`) use dots, so
# a bare word is any run of characters other than whitespace and these structural ones.
_WORD_STOP: Final = frozenset("{}()[]&|=!<>\"'$")
_CHECK_KEYWORDS: Final = {("IS", "NULL"), ("IS", "TRUE"), ("IS", "FALSE"), ("NOT", "EXISTS")}


class FilterPatternError(ValueError):
    """A filter pattern that cannot be parsed.

    ``position`` is the 0-based character offset in the pattern text where the problem was found;
    ``line``/``column`` are the 1-based equivalents used in the message.
    """

    def __init__(self, message: str, position: int, text: str = "") -> None:
        self.position = position
        self.line, self.column = _line_and_column(text, position)
        self.reason = message
        where = f"column {self.column}" if "\n" not in text else f"line {self.line}, column {self.column}"
        super().__init__(f"{message} at {where}")


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return line, column


# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------


class TokenKind(Enum):
    LBRACE = "{"
    RBRACE = "}"
    LPAREN = "("
    RPAREN = ")"
    AND = "&&"
    OR = "||"
    OPERATOR = "operator"
    SELECTOR = "selector"
    QUOTED = "quoted string"
    WORD = "word"
    END = "end of pattern"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    position: int
    value: str = ""
    path: tuple[str | int, ...] = ()


class _Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str, position: int) -> FilterPatternError:
        return FilterPatternError(message, position, self.text)

    def run(self) -> list[Token]:
        while True:
            self._skip_space()
            if self.pos >= len(self.text):
                self.tokens.append(Token(TokenKind.END, "", self.pos))
                return self.tokens
            self.tokens.append(self._next())

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def _emit(self, kind: TokenKind, length: int, **extra: Any) -> Token:
        start = self.pos
        self.pos += length
        return Token(kind, self.text[start : self.pos], start, **extra)

    def _next(self) -> Token:
        char = self._peek()
        simple = {"{": TokenKind.LBRACE, "}": TokenKind.RBRACE, "(": TokenKind.LPAREN, ")": TokenKind.RPAREN}
        if char in simple:
            return self._emit(simple[char], 1)
        if char in "&|":
            return self._logical(char)
        if char in "=!<>":
            return self._operator()
        if char == "$":
            return self._selector()
        if char in "\"'":
            return self._quoted(char)
        if char in "[]":
            raise self.error(f"unexpected '{char}' (array indexes belong right after a selector name)", self.pos)
        return self._word()

    def _logical(self, char: str) -> Token:
        if self._peek(1) != char:
            raise self.error(f"unexpected '{char}' (did you mean '{char * 2}'?)", self.pos)
        return self._emit(TokenKind.AND if char == "&" else TokenKind.OR, 2)

    def _operator(self) -> Token:
        char, following = self._peek(), self._peek(1)
        if char == "=" and following == "=":
            raise self.error("unexpected '==' (the equality operator is '=')", self.pos)
        if char == "!" and following != "=":
            raise self.error("unexpected '!' (the inequality operator is '!=')", self.pos)
        length = 2 if following == "=" and char in "!<>" else 1
        return self._emit(TokenKind.OPERATOR, length)

    def _selector(self) -> Token:
        start = self.pos
        self.pos += 1
        path: list[str | int] = []
        while self._peek() in (".", "["):
            if not path and self._peek() == "[":
                raise self.error("a selector must start with a property ('$.name'), not an index", self.pos)
            path.append(self._property() if self._peek() == "." else self._index())
        if not path:
            raise self.error("incomplete selector '$' (expected '$.name')", start)
        return Token(TokenKind.SELECTOR, self.text[start : self.pos], start, path=tuple(path))

    def _property(self) -> str:
        self.pos += 1
        begin = self.pos
        while self._peek() and (self._peek().isalnum() or self._peek() in "_-"):
            self.pos += 1
        if self.pos == begin:
            raise self.error("expected a property name after '.' in selector", begin)
        return self.text[begin : self.pos]

    def _index(self) -> int:
        open_at = self.pos
        self.pos += 1
        begin = self.pos
        while self._peek() in _DIGITS:
            self.pos += 1
        if self.pos == begin or self._peek() != "]":
            raise self.error("malformed array index (expected '[' digits ']')", open_at)
        if self.pos - begin > _MAX_INDEX_DIGITS:
            raise self.error("array index too large", open_at)
        self.pos += 1
        return int(self.text[begin : self.pos - 1])

    def _quoted(self, quote: str) -> Token:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            # DECISION: the docs define no escapes. A backslash escapes only the quote character or
            # another backslash; any other backslash is kept literally (e.g. "C:\temp").
            if char == "\\" and self._peek(1) in (quote, "\\"):
                chars.append(self._peek(1))
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return Token(TokenKind.QUOTED, self.text[start : self.pos], start, value="".join(chars))
            chars.append(char)
            self.pos += 1
        raise self.error("unterminated string starting", start)

    def _word(self) -> Token:
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace() or char in _WORD_STOP:
                break
            self.pos += 1
        word = self.text[start : self.pos]
        return Token(TokenKind.WORD, word, start, value=word)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens (the last one is always ``TokenKind.END``)."""
    return _Tokenizer(text).run()


# --------------------------------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------------------------------

_MISSING: Final = object()


@dataclass(frozen=True)
class Selector:
    """A JSON path such as ``$.userIdentity.type`` or ``$.items[0].id``."""

    text: str
    path: tuple[str | int, ...]

    def resolve(self, event: Any) -> Any:
        """Return the value at this path, or ``_MISSING`` when any step does not exist."""
        node = event
        for step in self.path:
            node = _step_into(node, step)
            if node is _MISSING:
                return _MISSING
        return node


def _step_into(node: Any, step: str | int) -> Any:
    if isinstance(step, str):
        if isinstance(node, Mapping) and step in node:
            return node[step]
        return _MISSING
    is_array = isinstance(node, Sequence) and not isinstance(node, str | bytes | bytearray)
    if is_array and step < len(node):
        return node[step]
    return _MISSING


@dataclass(frozen=True)
class StringValue:
    """A quoted or bare string; leading/trailing ``*`` are wildcards."""

    text: str
    quoted: bool

    def matches(self, actual: str) -> bool:
        return wildcard_match(self.text, actual)


@dataclass(frozen=True)
class NumberValue:
    """An unquoted number, e.g. ``400``, ``-1.5``, ``10e3``."""

    text: str
    number: float


def wildcard_match(pattern: str, actual: str) -> bool:
    """Match ``actual`` against a filter-pattern string with ``*`` wildcards.

    DECISION (documented): the AWS docs say ``*Event`` matches PutEvent, ``Event*`` matches EventId, and
    ``Ev*ent`` "will only match the actual string Ev*ent". So only leading and trailing asterisks are
    wildcards; an asterisk in the middle is a literal character. ``*`` alone matches any value.
    """
    leading = pattern.startswith("*")
    trailing = pattern.endswith("*")
    core = pattern.strip("*")
    if leading and trailing:
        return core in actual
    if leading:
        return actual.endswith(core)
    if trailing:
        return actual.startswith(core)
    return actual == pattern


def _is_value_node(value: Any) -> bool:
    # The docs: "The SELECTOR must point to a value node (string or number) ... If it points to an array
    # or object ... both {$.users = 1} and {$.users != 1} will fail to match".
    # DECISION: an absent field and JSON null are not value nodes either, so `=` and `!=` are both false
    # for them (observed AWS behaviour: `$.userIdentity.invokedBy != "x"` does not match events without
    # invokedBy, github.com/DataBiosphere/azul/issues/5884). Booleans are value nodes whose text is
    # "true"/"false".
    return value is not _MISSING and isinstance(value, str | int | float | bool)


def _scalar_text(value: str | int | float | bool) -> str | None:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)  # True -> "true", 400 -> "400", 1.5 -> "1.5"
    except ValueError:  # an int too long for str() conversion
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Comparison:
    """``selector OP value`` with OP one of ``= != < > <= >=``."""

    selector: Selector
    operator: str
    value: StringValue | NumberValue

    def matches(self, event: Mapping[str, Any]) -> bool:
        actual = self.selector.resolve(event)
        if not _is_value_node(actual):
            return False
        if self.operator in NUMERIC_OPERATORS:
            return _is_number(actual) and _compare_numbers(actual, self.operator, self._number())
        equal = self._equals(actual)
        return equal if self.operator == "=" else not equal

    def _number(self) -> float:
        assert isinstance(self.value, NumberValue)
        return self.value.number

    def _equals(self, actual: str | int | float | bool) -> bool:
        if isinstance(self.value, NumberValue) and _is_number(actual):
            return actual == self.value.number
        # DECISION: an unquoted number against a string field compares the text as written
        # ("400" = 400 is true, "400.0" = 400 is false); a quoted or bare string against a number or
        # boolean field compares with the field's JSON text (404 = "4*" is true).
        text = _scalar_text(actual)
        if text is None:
            return False
        if isinstance(self.value, NumberValue):
            return text == self.value.text
        return self.value.matches(text)

    def fields(self) -> set[str]:
        return {self.selector.text}


def _compare_numbers(actual: float, operator: str, expected: float) -> bool:
    if operator == "<":
        return actual < expected
    if operator == ">":
        return actual > expected
    if operator == "<=":
        return actual <= expected
    return actual >= expected


@dataclass(frozen=True)
class Check:
    """``selector IS NULL | IS TRUE | IS FALSE | NOT EXISTS``."""

    selector: Selector
    check: str  # "IS NULL", "IS TRUE", "IS FALSE" or "NOT EXISTS"

    def matches(self, event: Mapping[str, Any]) -> bool:
        actual = self.selector.resolve(event)
        if self.check == "NOT EXISTS":
            # A path through a missing or non-container step does not exist either.
            return actual is _MISSING
        if self.check == "IS NULL":
            return actual is None
        # Docs: IS TRUE / IS FALSE test a boolean value; strings like "true" do not count.
        return isinstance(actual, bool) and actual is (self.check == "IS TRUE")

    def fields(self) -> set[str]:
        return {self.selector.text}


@dataclass(frozen=True)
class _Junction:
    """A node over other nodes: `And` or `Or`."""

    terms: tuple[Node, ...]

    def fields(self) -> set[str]:
        return set().union(*(term.fields() for term in self.terms))


@dataclass(frozen=True)
class And(_Junction):
    def matches(self, event: Mapping[str, Any]) -> bool:
        return all(term.matches(event) for term in self.terms)


@dataclass(frozen=True)
class Or(_Junction):
    def matches(self, event: Mapping[str, Any]) -> bool:
        return any(term.matches(event) for term in self.terms)


Node = Comparison | Check | And | Or


@dataclass(frozen=True)
class FilterPattern:
    """A parsed JSON filter pattern."""

    text: str
    root: Node

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True when the pattern matches the (already JSON-decoded) log event."""
        if not isinstance(event, Mapping):
            return False
        return self.root.matches(event)

    def fields(self) -> set[str]:
        """The selectors used by the pattern, as written (e.g. ``{"$.eventName", "$.errorCode"}``)."""
        return self.root.fields()


# --------------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> FilterPatternError:
        return FilterPatternError(message, (token or self.current).position, self.text)

    def parse(self) -> Node:
        opening = self.advance()
        if opening.kind is not TokenKind.LBRACE:
            raise self.error("not a JSON filter pattern (must be wrapped in { })", opening)
        if self.current.kind is TokenKind.RBRACE:
            raise self.error("empty JSON filter pattern: expected a condition inside { }")
        root = self.or_expr()
        self._expect_closing_brace(opening)
        return root

    def _expect_closing_brace(self, opening: Token) -> None:
        token = self.current
        if token.kind is TokenKind.RBRACE:
            self.advance()
            if self.current.kind is not TokenKind.END:
                raise self.error(f"unexpected {_describe(self.current)} after the closing '}}'")
            return
        if token.kind is TokenKind.RPAREN:
            raise self.error("unbalanced parenthesis: unexpected ')'", token)
        if token.kind is TokenKind.END:
            raise self.error("missing closing '}'", token)
        raise self.error(f"expected '&&', '||' or '}}', found {_describe(token)}", token)

    def or_expr(self) -> Node:
        return self._joined(TokenKind.OR, self.and_expr, Or)

    def and_expr(self) -> Node:
        return self._joined(TokenKind.AND, self.operand, And)

    def _joined(self, operator: TokenKind, term: Callable[[], Node], kind: type[And] | type[Or]) -> Node:
        """Terms parsed by `term` with `operator` between them, one `kind` node (or the one term alone)."""
        terms = [term()]
        while self.current.kind is operator:
            self.advance()
            terms.append(term())
        return _combine(kind, terms)

    def operand(self) -> Node:
        token = self.current
        if token.kind is TokenKind.LPAREN:
            return self.group()
        if token.kind is TokenKind.SELECTOR:
            return self.condition()
        previous = self.tokens[self.index - 1] if self.index else None
        if previous is not None and previous.kind in (TokenKind.AND, TokenKind.OR):
            raise self.error(f"dangling '{previous.text}': expected a condition, found {_describe(token)}")
        raise self.error(f"expected a condition like '$.field = value', found {_describe(token)}")

    def group(self) -> Node:
        opening = self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            raise self.error(f"parentheses nested deeper than {MAX_NESTING_DEPTH} levels", opening)
        if self.current.kind is TokenKind.RPAREN:
            raise self.error("empty parentheses: expected a condition")
        inner = self.or_expr()
        if self.current.kind is not TokenKind.RPAREN:
            if self.current.kind in (TokenKind.RBRACE, TokenKind.END):
                raise self.error("unbalanced parenthesis: no ')' for the '('", opening)
            raise self.error(f"expected '&&', '||' or ')', found {_describe(self.current)}")
        self.advance()
        self.depth -= 1
        return inner

    def condition(self) -> Node:
        selector_token = self.advance()
        selector = Selector(selector_token.text, selector_token.path)
        token = self.current
        if token.kind is TokenKind.OPERATOR:
            self.advance()
            return Comparison(selector, token.text, self.value(token))
        if token.kind is TokenKind.WORD and token.value.upper() in ("IS", "NOT"):
            return Check(selector, self.check_keywords())
        raise self.error(
            f"expected an operator (=, !=, <, >, <=, >=, IS NULL, IS TRUE, IS FALSE, NOT EXISTS) after "
            f"{selector.text}, found {_describe(token)}"
        )

    def check_keywords(self) -> str:
        first = self.advance()
        second = self.current
        # DECISION: keywords are accepted in any letter case (the docs only show upper case).
        pair = (first.value.upper(), second.value.upper() if second.kind is TokenKind.WORD else "")
        if pair not in _CHECK_KEYWORDS:
            expected = "NULL, TRUE or FALSE" if pair[0] == "IS" else "EXISTS"
            raise self.error(f"expected {expected} after '{first.text}', found {_describe(second)}", second)
        self.advance()
        return f"{pair[0]} {pair[1]}"

    def value(self, operator: Token) -> StringValue | NumberValue:
        token = self.current
        if token.kind is TokenKind.QUOTED:
            if operator.text in NUMERIC_OPERATORS:
                raise self.error(f"operator '{operator.text}' needs a number, found a quoted string")
            self.advance()
            return StringValue(token.value, quoted=True)
        if token.kind is not TokenKind.WORD or not token.value:
            raise self.error(f"expected a value after '{operator.text}', found {_describe(token)}")
        return self.bare_value(operator, token)

    def bare_value(self, operator: Token, token: Token) -> StringValue | NumberValue:
        if token.value.startswith("%"):
            raise self.error("regular-expression values (%...%) are not supported by this checker")
        if _NUMBER_RE.fullmatch(token.value):
            self.advance()
            return NumberValue(token.value, float(token.value))
        if operator.text in NUMERIC_OPERATORS:
            raise self.error(f"operator '{operator.text}' needs a number, found {_describe(token)}")
        self.advance()
        return StringValue(token.value, quoted=False)


def _combine(kind: type[And] | type[Or], terms: list[Node]) -> Node:
    if len(terms) == 1:
        return terms[0]
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, kind) else (term,))
    return kind(tuple(flat))


def _describe(token: Token) -> str:
    if token.kind is TokenKind.END:
        return "end of pattern"
    shown = token.text if len(token.text) <= 30 else token.text[:27] + "..."
    return f"'{shown}'"


def parse_filter_pattern(text: str) -> FilterPattern:
    """Parse a JSON filter pattern; raise :class:`FilterPatternError` (only) when it is not valid."""
    if not isinstance(text, str):
        raise FilterPatternError("filter pattern must be a string", 0)
    stripped = text.strip()
    if not stripped:
        raise FilterPatternError("empty filter pattern (it matches every event; not a JSON filter pattern)", 0, text)
    if not stripped.startswith("{"):
        start = len(text) - len(text.lstrip())
        raise FilterPatternError("not a JSON filter pattern (must be wrapped in { })", start, text)
    tokens = tokenize(text)
    return FilterPattern(text, _Parser(text, tokens).parse())
