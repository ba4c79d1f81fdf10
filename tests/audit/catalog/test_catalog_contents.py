"""wizard/catalog.py's data against the CIS AWS Foundations Benchmark v1.2.0: all 49 controls in benchmark
order, frozen, by section; levels, scoring, fix kinds and Security Hub ids in full."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.support.catalog_expectations import EXPECTED_FIX, EXPECTED_IDS, EXPECTED_SECURITY_HUB, LEVEL_2, NOT_SCORED
from wizard.catalog import Catalog, control_id_key, load_catalog, parse_catalog

# --- shape and order -----------------------------------------------------------------------------


def test_has_all_49_controls(catalog: Catalog) -> None:
    assert len(catalog) == 49
    assert len(list(catalog)) == 49
    assert list(catalog.ids) == EXPECTED_IDS


def test_benchmark_metadata(catalog: Catalog) -> None:
    assert catalog.name == "CIS Amazon Web Services Foundations Benchmark"
    assert catalog.version == "1.2.0"
    assert dict(catalog.sections) == {
        "1": "Identity and Access Management",
        "2": "Logging",
        "3": "Monitoring",
        "4": "Networking",
    }


def test_controls_are_in_numeric_order(catalog: Catalog) -> None:
    keys = [c.sort_key for c in catalog]
    assert keys == sorted(keys)
    order = list(catalog.ids)
    assert order.index("1.2") < order.index("1.10")
    assert order.index("3.9") < order.index("3.10") < order.index("4.1")


def test_catalog_sorts_controls_given_out_of_order(raw: dict[str, Any]) -> None:
    raw["controls"].reverse()
    assert list(parse_catalog(raw).ids) == EXPECTED_IDS


def test_control_id_key() -> None:
    assert control_id_key("1.10") == (1, 10)
    assert control_id_key(" 3.2 ") == (3, 2)
    assert sorted(["1.10", "1.2", "2.1", "1.1"], key=control_id_key) == ["1.1", "1.2", "1.10", "2.1"]
    for bad in ("1", "1.x", "a.b", "1.2.3", ""):
        with pytest.raises(ValueError):
            control_id_key(bad)


def test_load_catalog_is_cached(catalog: Catalog) -> None:
    assert load_catalog() is catalog


def test_controls_are_frozen_with_tuples(catalog: Catalog) -> None:
    control = catalog.get("1.1")
    assert isinstance(control.security_hub, tuple)
    assert isinstance(control.references, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        control.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.controls = ()  # type: ignore[misc]


def test_section_matches_id_prefix(catalog: Catalog) -> None:
    for control in catalog:
        assert control.section == control.id.split(".")[0]
        assert control.section in catalog.sections


# --- levels, scoring, fix kinds, Security Hub -----------------------------------------------------


@pytest.mark.parametrize(
    ("control_id", "level", "scored"),
    [
        ("1.1", 1, True),
        ("1.14", 2, True),
        ("1.15", 1, False),
        ("1.17", 1, False),
        ("1.19", 2, False),
        ("1.21", 1, False),
        ("2.2", 2, True),
        ("2.7", 2, True),
        ("2.9", 2, True),
        ("3.1", 1, True),
        ("3.10", 2, True),
        ("3.12", 1, True),
        ("4.1", 1, True),
        ("4.3", 2, True),
        ("4.4", 2, False),
    ],
)
def test_level_and_scoring(catalog: Catalog, control_id: str, level: int, scored: bool) -> None:
    control = catalog.get(control_id)
    assert (control.level, control.scored) == (level, scored)


def test_level_and_scoring_totals(catalog: Catalog) -> None:
    assert {c.id for c in catalog if c.level == 2} == LEVEL_2
    assert {c.id for c in catalog if not c.scored} == NOT_SCORED


def test_security_hub_mapping_in_full(catalog: Catalog) -> None:
    assert set(EXPECTED_SECURITY_HUB) == set(EXPECTED_IDS)
    actual = {c.id: list(c.security_hub) for c in catalog}
    assert actual == EXPECTED_SECURITY_HUB


def test_fix_mapping_in_full(catalog: Catalog) -> None:
    assert set(EXPECTED_FIX) == set(EXPECTED_IDS)
    assert {c.id: c.fix for c in catalog} == EXPECTED_FIX
