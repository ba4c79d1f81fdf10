"""The command line on an account named by an attacker (tests/hostile_account.py): `audit` in every format,
`apply`, `log show` and `log export` show what AWS or a person wrote as text. No control character reaches
stdout, no markup of any kind takes effect, no CSV cell is a formula; JSON keeps the text exactly."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.support.cli import run_cli
from tests.support.hostile_account import (
    FILTER_NAME,
    INTERFACE_DESCRIPTION,
    MARKUP_GROUP,
    SECURITY_CONTACT,
    USED_GROUP,
    USERS,
    WAIVER_OWNER,
    WAIVER_REASON,
    grant_hostile_waiver,
    raw_controls,
    seed_hostile_account,
    visible,
)

WIDE = {"COLUMNS": "250"}  # rich wraps at the terminal width: wide enough that each line stays whole
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Hostile:
    endpoint: str
    log: Path
    apply_output: str


@pytest.fixture
def hostile(endpoint: str, tmp_path: Path, file_key: Path) -> Hostile:
    """The account seeded, a hostile waiver granted, and 4.1 fixed with `apply`, all in one audit log (its key
    in a file the subprocesses read too)."""
    seed_hostile_account(endpoint)
    log = tmp_path / "audit.jsonl"
    grant_hostile_waiver(log)
    applied = run_cli(
        "apply", "--endpoint-url", endpoint, "--regions", "us-east-1", "--controls", "4.1", "--yes", "--log", str(log),
        env=WIDE,
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    return Hostile(endpoint, log, applied.stdout)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_audit_in_every_format_is_inert_and_its_csv_runs_no_formula(endpoint: str) -> None:
    seed_hostile_account(endpoint)
    out = {}
    for fmt in ("table", "json", "csv", "asff"):
        proc = run_cli("audit", "--endpoint-url", endpoint, "--regions", "us-east-1", "--format", fmt, env=WIDE)
        assert proc.returncode == 3, proc.stderr
        assert raw_controls(proc.stdout) == [], fmt
        out[fmt] = proc.stdout
    json.loads(out["asff"])
    # JSON escapes by itself, and keeps the text exactly.
    controls = {c["id"]: c for c in json.loads(out["json"])["controls"]}
    assert any(FILTER_NAME in r["reason"] for r in controls["3.1"]["resources"])
    assert {r["id"] for r in controls["1.2"]["resources"]} >= set(USERS)
    # CSV: escapes shown, and no cell a spreadsheet would run.
    rows = list(csv.DictReader(io.StringIO(out["csv"])))
    for row in rows:
        for cell in row.values():
            assert not cell.lstrip(" \t\n").startswith(FORMULA_START), cell  # a formula starts with ' instead
    assert {row["resource"] for row in rows if row["id"] == "1.2"} >= {f"'{user}" for user in USERS}
    assert next(row["reason"] for row in rows if row["id"] == "1.18").startswith(f"'{SECURITY_CONTACT}")
    unauthorized = next(row["reason"] for row in rows if row["id"] == "3.1" and row["resource_status"] == "FAIL")
    assert visible(FILTER_NAME) in unauthorized


def test_apply_shows_the_plan_of_hostile_groups_verbatim_and_inert(hostile: Hostile) -> None:
    out = hostile.apply_output
    assert raw_controls(out) == []
    assert visible(INTERFACE_DESCRIPTION) in out  # in the "Who or what will notice" line
    assert "No network interface uses sg-" in out and MARKUP_GROUP in out and USED_GROUP in out


def test_log_show_is_inert(hostile: Hostile) -> None:
    proc = run_cli("log", "show", "--log", str(hostile.log), env=WIDE)
    assert proc.returncode == 0, proc.stderr
    assert raw_controls(proc.stdout) == []
    assert "waived: legacy [/] box [bold]\\x1b[2J\\x07 =cmd" in proc.stdout


def _markdown_tokens(text: str) -> list[str]:
    def walk(tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            yield token.type
            yield from walk(token.children or [])

    return list(walk(MarkdownIt("gfm-like").parse(text)))


def _check_markdown(report: str) -> None:
    """No link, image, HTML, heading or entity comes from the log's text once the Markdown is rendered."""
    tokens = _markdown_tokens(report)
    assert "link_open" not in tokens and "image" not in tokens and "html_inline" not in tokens
    page = MarkdownIt("gfm-like").render(report)
    assert raw_controls(page) == []  # `&#x202e;` in a group name stays text, not the character
    assert "<h1>not a heading" not in page and "not a heading" in page
    assert visible("legacy [/] box [bold]\x1b[2J\x07") in page


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check_html(page: str) -> None:
    parser = _Html()
    parser.feed(page)
    assert not {"a", "img", "script"} & set(parser.tags)
    text = flat(" ".join(parser.text))
    assert visible(f"waived: {WAIVER_REASON}")[:40] in text
    assert MARKUP_GROUP in text and visible(INTERFACE_DESCRIPTION) in text


def _check_json(report: str) -> None:
    trails = json.loads(report)["controls"]
    waiver = next(t for t in trails if t["id"] == "4.4")["waivers"][0]["payload"]
    assert (waiver["reason"], waiver["owner"]) == (WAIVER_REASON, WAIVER_OWNER)  # exact: JSON escapes itself


@pytest.mark.parametrize("fmt, check", [("md", _check_markdown), ("html", _check_html), ("json", _check_json)])
def test_log_export_is_inert(hostile: Hostile, fmt: str, check) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("log", "export", "--log", str(hostile.log), "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert raw_controls(proc.stdout) == []
    check(proc.stdout)
