"""The tests' own layout: test modules share code only through tests/support and the fixtures of a conftest;
none imports another test module or a conftest, and every folder of tests is a package (so two modules of the
same name in different folders stay two modules)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported_modules(source: str, module: str) -> set[str]:
    """Every module the source of `module` imports, relative imports resolved, `from package import module`
    included."""
    tree = ast.parse(source, filename=module)
    package = module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            imported = ".".join([*base, *([node.module] if node.module else [])])
            found.add(imported)
            found |= {f"{imported}.{alias.name}" for alias in node.names}
    return found


def is_test_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") or part == "conftest" for part in parts[1:])


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    sources = sorted(TESTS.rglob("*.py"))
    imports = {module_name(path): imported_modules(path.read_text(), module_name(path)) for path in sources}
    offenders = {importer: sorted(m for m in modules if is_test_module(m)) for importer, modules in imports.items()}
    assert {importer: bad for importer, bad in offenders.items() if bad} == {}
    # The scan sees the imports it is about: the shared code is imported from tests.support.
    assert sum(1 for modules in imports.values() if any(m.startswith("tests.support.") for m in modules)) > 40


def test_the_scan_catches_each_way_of_importing_a_test_module() -> None:
    source = (
        "import tests.audit.test_catalog\n"
        "from tests.fixes import test_fix_all\n"
        "from .test_checks_identity import iam\n"
        "from ..conftest import ACCOUNT_ID\n"
        "from tests.support.auditing import audit_one\n"
    )
    found = {m for m in imported_modules(source, "tests.audit.test_probe") if is_test_module(m)}
    assert found == {
        "tests.audit.test_catalog",
        "tests.fixes.test_fix_all",
        "tests.audit.test_checks_identity",
        "tests.audit.test_checks_identity.iam",
        "tests.conftest",
        "tests.conftest.ACCOUNT_ID",
    }


def test_every_folder_of_tests_is_a_package() -> None:
    folders = {path.parent for path in TESTS.rglob("*.py")}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()) == []
