"""wizard/catalog.py's API: lookup and selection by patterns, validation of malformed data, and a catalog that
imports no UI library."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.catalog_expectations import EXPECTED_IDS, ids
from tests.support.imports import UI_LIBRARIES, modules_loaded_by
from wizard.catalog import Catalog, CatalogError, UnknownControlError, load_catalog, parse_catalog

# --- lookup and selection -------------------------------------------------------------------------


def test_get(catalog: Catalog) -> None:
    assert catalog.get("2.8").id == "2.8"
    assert catalog.get(" 1.10 ").id == "1.10"
    assert "3.14" in catalog
    assert "3.15" not in catalog


@pytest.mark.parametrize("bad", ["5.1", "1.23", "1.0", "x", "", "1.1.1"])
def test_get_unknown_raises(catalog: Catalog, bad: str) -> None:
    with pytest.raises(UnknownControlError, match="unknown control") as info:
        catalog.get(bad)
    assert isinstance(info.value, ValueError)
    assert "1.1-1.22" in str(info.value)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ("1.5", ["1.5"]),
        ("3.*", [f"3.{n}" for n in range(1, 15)]),
        ("1.1?", [f"1.{n}" for n in range(10, 20)]),
        ("1.1*", ["1.1", *[f"1.{n}" for n in range(10, 20)]]),
        ("4.[13]", ["4.1", "4.3"]),
        ("2.1-2.3", ["2.1", "2.2", "2.3"]),
        ("1.9-1.11", ["1.9", "1.10", "1.11"]),
        ("2.4 - 2.4", ["2.4"]),
        ("4.4,1.1", ["1.1", "4.4"]),
        (" 1.5 , 3.14 ,", ["1.5", "3.14"]),
        ("1.1,1.1,1.1-1.2", ["1.1", "1.2"]),
        ("*", EXPECTED_IDS),
        (
            "1.5,3.*,2.1-2.3",
            ["1.5", "2.1", "2.2", "2.3", *[f"3.{n}" for n in range(1, 15)]],
        ),
    ],
)
def test_select(catalog: Catalog, patterns: str, expected: list[str]) -> None:
    assert ids(catalog.select(patterns)) == expected


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ("9.9", "unknown control '9.9'"),
        ("1.5,7.1", "unknown control '7.1'"),
        ("5.*", "pattern '5.*' matches no control"),
        ("1.5,3.*,6.?", "pattern '6.?' matches no control"),
        ("2.5-3.1", "ranges must stay within one section"),
        ("2.3-2.1", "reversed"),
        ("3.1-3.15", "unknown control '3.15'"),
        ("", "empty control selection"),
        (" , ", "empty control selection"),
        ("iam", "unknown control 'iam'"),
    ],
)
def test_select_rejects_items_matching_nothing(catalog: Catalog, patterns: str, message: str) -> None:
    with pytest.raises(UnknownControlError, match=re.escape(message)):
        catalog.select(patterns)


# --- validation -----------------------------------------------------------------------------------


def test_parse_catalog_accepts_packaged_data(raw: dict[str, Any]) -> None:
    parsed = parse_catalog(raw)
    assert parsed == load_catalog()


def _control(raw: dict[str, Any], control_id: str) -> dict[str, Any]:
    return next(c for c in raw["controls"] if c["id"] == control_id)


def _set(control_id: str, name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        _control(raw, control_id)[name] = value

    return mutate


def _delete(control_id: str, name: str) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        del _control(raw, control_id)[name]

    return mutate


def _duplicate_id(raw: dict[str, Any]) -> None:
    _control(raw, "1.3")["id"] = "1.2"


def _drop_last(raw: dict[str, Any]) -> None:
    raw["controls"].pop()


def _add_copy(raw: dict[str, Any]) -> None:
    extra = copy.deepcopy(_control(raw, "4.4"))
    extra["id"] = "4.5"
    raw["controls"].append(extra)


@pytest.mark.parametrize(
    ("mutate", "control_id", "field"),
    [
        (_duplicate_id, "1.2", "id"),
        (_set("1.4", "id", "1.a"), "1.a", "id"),
        (_set("1.4", "id", "14"), "14", "id"),
        (_set("2.3", "section", "3"), "2.3", "section"),
        (_set("2.3", "level", 3), "2.3", "level"),
        (_set("2.3", "level", "1"), "2.3", "level"),
        (_set("2.3", "level", True), "2.3", "level"),
        (_set("2.3", "scored", "yes"), "2.3", "scored"),
        (_set("2.3", "scored", 1), "2.3", "scored"),
        (_set("3.2", "fix", "automatic"), "3.2", "fix"),
        (_set("3.2", "fix", ["auto"]), "3.2", "fix"),
        (_set("3.2", "title", ""), "3.2", "title"),
        (_set("3.2", "description", "   "), "3.2", "description"),
        (_set("3.2", "rationale", None), "3.2", "rationale"),
        (_set("3.2", "audit", ""), "3.2", "audit"),
        (_set("3.2", "remediation", ""), "3.2", "remediation"),
        (_set("3.2", "security_hub", ["CloudWatch-3"]), "3.2", "security_hub"),
        (_set("3.2", "security_hub", ["CloudWatch."]), "3.2", "security_hub"),
        (_set("3.2", "security_hub", "CloudWatch.3"), "3.2", "security_hub"),
        (_set("3.2", "references", [""]), "3.2", "references"),
        (_set("3.2", "colour", "red"), "3.2", "colour"),
        (_delete("4.1", "fix"), "4.1", "fix"),
        (_delete("4.1", "audit"), "4.1", "audit"),
    ],
)
def test_validation_rejects_broken_entry(
    raw: dict[str, Any], mutate: Callable[[dict[str, Any]], None], control_id: str, field: str
) -> None:
    mutate(raw)
    with pytest.raises(CatalogError) as info:
        parse_catalog(raw)
    assert info.value.control_id == control_id
    assert info.value.field == field
    assert f"control {control_id}" in str(info.value)
    assert repr(field) in str(info.value)


def test_validation_rejects_unknown_section(raw: dict[str, Any]) -> None:
    del raw["sections"]["4"]
    with pytest.raises(CatalogError, match=r"control 4\.1, field 'section': unknown section '4'"):
        parse_catalog(raw)


@pytest.mark.parametrize(("mutate", "count"), [(_drop_last, 48), (_add_copy, 50)])
def test_validation_requires_exactly_49_controls(
    raw: dict[str, Any], mutate: Callable[[dict[str, Any]], None], count: int
) -> None:
    mutate(raw)
    with pytest.raises(CatalogError, match=f"expected 49 controls, found {count}"):
        parse_catalog(raw)


@pytest.mark.parametrize(
    "broken",
    [
        {"sections": {}, "controls": []},
        {"benchmark": {"name": "x"}, "sections": {"1": "a"}, "controls": []},
        {"benchmark": {"name": "x", "version": "1"}, "sections": [], "controls": []},
        {"benchmark": {"name": "x", "version": "1"}, "sections": {"1": "a"}, "controls": {}},
        {"benchmark": {"name": "x", "version": "1"}, "sections": {"1": "a"}, "controls": ["1.1"]},
    ],
)
def test_validation_rejects_broken_top_level(broken: dict[str, Any]) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(broken)


def test_catalog_error_is_value_error() -> None:
    assert issubclass(CatalogError, ValueError)
    assert issubclass(UnknownControlError, ValueError)


# --- packaging and headlessness ---------------------------------------------------------------------


def test_catalog_module_has_no_ui_imports() -> None:
    assert modules_loaded_by("import wizard.catalog as c; c.load_catalog()", (*UI_LIBRARIES, "rich")) == []
