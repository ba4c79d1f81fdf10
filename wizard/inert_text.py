"""The one rule for text the wizard did not write: it is shown, never obeyed.

Names, descriptions, tags, reasons, policy documents and error messages come from AWS or from a person, and
whoever can write to the account chooses them. Every output shows them as data:

- control characters (C0 but newline and tab, DEL, C1) and the characters that reorder or break lines
  invisibly (bidi embeddings, overrides and isolates, line/paragraph separators) become visible escapes
  such as `\\x1b` or `\\u202e`, so no terminal obeys an escape sequence and no text is disguised;
- nothing is parsed as markup: terminals get `rich.text.Text` objects, never markup strings;
- a CSV cell that a spreadsheet would run as a formula starts with `'` (OWASP, CSV injection).

Backslashes are left as they are: the aim is that nothing is interpreted and what is shown is verbatim
otherwise (Windows paths, regular expressions, filter patterns), not that the escape can be reversed. The JSON
outputs, which escape by themselves, stay the lossless form.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich only where a Text is asked for: the log and CSV exports need none of it
    from rich.style import StyleType
    from rich.text import Text

# U+061C, U+200E/U+200F: bidi marks; U+202A-U+202E: embeddings and overrides; U+2066-U+2069: isolates;
# U+2028/U+2029: line and paragraph separators, which end a line for some renderers and not others.
_INVISIBLE = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")  # newline and tab too

# What makes a spreadsheet evaluate a cell, also after leading blanks (some spreadsheets trim them first); a
# leading tab counts by itself (OWASP). A carriage return, OWASP's other one, never survives `inert`.
_FORMULA_START = ("=", "+", "-", "@")
_LEADING_BLANKS = " \t\n"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(value: object, *, one_line: bool = False) -> str:
    """`value` as text with every control character shown as an escape. Newline and tab are kept for
    layout, unless `one_line` (a table cell, a heading) asks for them to be escaped too."""
    return (_UNSAFE_IN_A_LINE if one_line else _UNSAFE).sub(_visible, str(value))


def inert_text(value: object, style: StyleType = "", *, one_line: bool = False) -> Text:
    """A rich `Text` of `value` made inert: safe to print, to put in a table or a Textual widget, since a
    `Text` is never parsed as markup (a plain `str` given to rich or Textual would be)."""
    from rich.text import Text

    return Text(inert(value, one_line=one_line), style=style)


def csv_cell(value: object) -> str:
    """A CSV cell: inert, and with a leading `'` where a spreadsheet would otherwise run it as a formula."""
    text = inert(value)
    if text.startswith("\t") or text.lstrip(_LEADING_BLANKS).startswith(_FORMULA_START):
        return "'" + text
    return text


def has_unsafe(value: str) -> bool:
    """Whether `value` holds a character `inert` would escape on one line (what a shell literal must spell)."""
    return _UNSAFE_IN_A_LINE.search(value) is not None


def bash_ansi_c(value: str) -> str:
    """`value` as a bash $'...' literal: every control or invisible character as an escape, so a script holds
    no raw terminal escape and bash still passes the exact value."""

    def escape(char: str) -> str:
        if char in "\\'":
            return "\\" + char
        if _UNSAFE_IN_A_LINE.match(char):
            code = ord(char)
            return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"
        return char

    return "$'" + "".join(escape(char) for char in value) + "'"
