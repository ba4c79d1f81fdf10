"""The production code stays readable in pieces: no function or method over 60 lines, no module over 400 lines
(a screen module stays under about 400, STYLE.md). Measured with ast, from the `def` line to the last:
docstrings and comments count, the decorator above a function (a fix's contract) does not."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wizard", "actions", "screens", "terminal", "benchmarks", "tools")
FUNCTION_LINES = 60
MODULE_LINES = 400
# The CloudWatch Logs filter-pattern grammar: one parser, which reads best in one place.
LONGER_MODULES = {"wizard/monitoring/filter_pattern.py"}


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def function_lengths(source: str, name: str) -> dict[str, int]:
    """`line:name` -> lines from its `def` to its last line, for every function, nested ones too."""
    lengths: dict[str, int] = {}
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            lengths[f"{node.lineno}:{node.name}"] = node.end_lineno - node.lineno + 1
    return lengths


def test_the_scan_reads_the_production_code() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in sources()}
    assert {"wizard/cli.py", "actions/registry.py", *LONGER_MODULES} <= names
    assert len(names) > 150


def test_no_function_is_longer_than_60_lines() -> None:
    too_long = {
        f"{path.relative_to(ROOT).as_posix()}:{where}": lines
        for path in sources()
        for where, lines in function_lengths(path.read_text(encoding="utf-8"), str(path)).items()
        if lines > FUNCTION_LINES
    }
    assert too_long == {}


def test_no_module_is_longer_than_400_lines() -> None:
    too_long = {
        name: lines
        for path in sources()
        if (name := path.relative_to(ROOT).as_posix()) not in LONGER_MODULES
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert too_long == {}


def test_the_measure_counts_nested_functions_and_not_decorators() -> None:
    source = "@decorator\ndef outer():\n    def inner():\n        pass\n    return inner\n"
    assert function_lengths(source, "example.py") == {"2:outer": 4, "3:inner": 2}
