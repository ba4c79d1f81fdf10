"""The one rule for text from AWS or a person (wizard.inert_text), and the renderers that must use it."""

from __future__ import annotations

import dataclasses

import pytest
from rich.console import Console

from tests.support.hostile_account import raw_controls, visible
from wizard.audit.findings import Finding, Status
from wizard.audit.reports import render_table_text
from wizard.audit.run import ControlResult, run_audit
from wizard.audit_log.export import md, md_code, md_inline_code
from wizard.catalog import load_catalog
from wizard.inert_text import csv_cell, inert, inert_text

HOSTILE = "a\x00b\x07c\x08d\x1b[2Je\x7ff\x85g\x9bh\u202ei\u2066j\u2028k\r"


def test_every_control_character_is_shown_as_an_escape() -> None:
    shown = inert(HOSTILE)
    assert shown == "a\\x00b\\x07c\\x08d\\x1b[2Je\\x7ff\\x85g\\x9bh\\u202ei\\u2066j\\u2028k\\x0d"
    assert shown == visible(HOSTILE) and raw_controls(shown) == []


def test_layout_stays_unless_one_line_is_asked_for() -> None:
    assert inert("name\n\tvalue") == "name\n\tvalue"
    assert inert("name\n\tvalue", one_line=True) == "name\\x0a\\x09value"


def test_ordinary_text_is_unchanged() -> None:
    text = "sg-1 ([reverse]x[/], vpc-1) C:\\logs\\x1b é 名前 👍 ${HOME} $(id) `id`"
    assert inert(text) == text  # backslashes and markup are shown as written: not escaped, not obeyed


def test_inert_text_is_never_parsed_as_markup() -> None:
    text = inert_text("[bold]x[/] [/] [link=https://evil]y", style="cyan")
    assert text.plain == "[bold]x[/] [/] [link=https://evil]y" and not text.spans
    console = Console(record=True, width=80, file=None, force_terminal=False)
    console.print(text)  # a markup string with "[/]" would raise MarkupError here
    assert "[bold]x[/] [/] [link=https://evil]y" in console.export_text()


@pytest.mark.parametrize(
    "cell, expected",
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("  =cmd", "'  =cmd"),
        ("\n=cmd", "'\n=cmd"),
        ("\tcmd", "'\tcmd"),
        ("\r=cmd", "\\x0d=cmd"),  # a carriage return is shown escaped: the cell no longer starts a formula
        ("sg-1 =x", "sg-1 =x"),
        ("'quoted", "'quoted"),
        ("", ""),
        (True, "True"),
        (2, "2"),
    ],
)
def test_csv_cells_never_start_a_formula(cell: object, expected: str) -> None:
    assert csv_cell(cell) == expected


def test_markdown_text_injects_no_link_heading_html_or_entity() -> None:
    assert md("[x](https://evil) ![i](y) <b>&#x202e;</b> # h www.evil.com") == (
        "\\[x\\]\\(https\\://evil\\) \\!\\[i\\]\\(y\\) \\<b\\>\\&\\#x202e;\\</b\\> \\# h www\\.evil.com"
    )
    assert md("cis\x1b]0;pwned\x07") == "cis\\\\x1b\\]0;pwned\\\\x07"
    assert md_code("line\x1b[2J\nnext\u2028") == ["```", "line\\x1b[2J", "next\\u2028", "```"]
    assert md_inline_code("a `b`\x07") == "`` a `b`\\x07 ``"


def test_audit_table_shows_an_aws_error_quoting_a_hostile_name_as_text(ctx) -> None:  # type: ignore[no-untyped-def]
    # AWS error messages quote what they were given: "... on resource: arn:...:log-group:NAME".
    result = run_audit(ctx, [load_catalog().get("3.1")], ctx.resolve_regions())
    message = "Could not check 1 of 1: AccessDenied: not allowed on [reverse]x[/] [/] \x1b]0;pwned\x07 \u202eexe"
    finding = Finding("3.1", Status.ERROR, message, error_code="AccessDenied")
    result = dataclasses.replace(result, results=[ControlResult(result.results[0].control, finding)])
    table = render_table_text(result, width=400)
    assert raw_controls(table) == []
    assert visible(message) in table  # the markup as written: "[/]" would have raised, "[reverse]" restyled
    coloured = render_table_text(result, width=400, color=True)
    assert "\x1b[7m" not in coloured  # no reverse video from the name
