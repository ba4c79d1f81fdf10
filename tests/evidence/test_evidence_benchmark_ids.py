"""The later benchmark ids (v1.4.0, v3.0.0, v5.0.0) as data: no gaps, no duplicates but declared merges, every id
one the version has, sources named, and the mapping by meaning (the titles agree)."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from wizard.audit.formats.benchmark_ids import LATER_VERSIONS, later_ids, requirement_titles, sources
from wizard.catalog import load_catalog

STOP = {"ensure", "that", "with", "from", "exist", "exists", "for", "the", "and", "all", "are", "have", "enabled"}


def raw() -> Any:
    def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        assert not duplicated, f"duplicate keys in benchmark_ids.json: {duplicated}"
        return dict(pairs)

    text = resources.files("wizard").joinpath("data/benchmark_ids.json").read_text(encoding="utf-8")
    return json.loads(text, object_pairs_hook=no_duplicate_keys)


def test_every_control_and_only_those_has_an_entry_for_every_version() -> None:
    data = raw()
    assert list(data["controls"]) == [c.id for c in load_catalog()]
    for control_id, entry in data["controls"].items():
        assert set(LATER_VERSIONS) <= set(entry), control_id
        for version in LATER_VERSIONS:
            assert isinstance(entry[version], list)
            if not entry[version]:
                assert "dropped" in entry.get("note", ""), f"{control_id} has no id in v{version} and no note why"


@pytest.mark.parametrize("version", LATER_VERSIONS)
def test_every_id_is_one_of_the_version_and_none_is_taken_twice_but_by_a_merge(version: str) -> None:
    data = raw()
    titles = requirement_titles(version)
    taken: dict[str, list[str]] = {}
    for control_id, entry in data["controls"].items():
        for requirement in entry[version]:
            assert requirement in titles, f"{control_id}: v{version} has no {requirement}"
            taken.setdefault(requirement, []).append(control_id)
    for requirement, controls in taken.items():
        if len(controls) > 1:
            for control_id in controls:
                others = set(controls) - {control_id}
                assert others <= set(data["controls"][control_id].get("merged_with", [])), (requirement, controls)


@pytest.mark.parametrize("version", LATER_VERSIONS)
def test_each_version_names_its_sources_and_its_ids_are_unique_and_in_order(version: str) -> None:
    named = sources(version)
    assert any("prowler/compliance/aws/cis_" in source and "commit" in source for source in named)
    assert any("docs.aws.amazon.com/securityhub" in source for source in named)
    ids = list(requirement_titles(version))
    assert len(ids) == len(set(ids))
    numbers = [tuple(int(part) for part in rid.split(".")) for rid in ids]
    assert numbers == sorted(numbers)
    assert len(ids) > 50  # the whole benchmark, not the part that maps


def _words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) >= 4 and w not in STOP}


def test_the_mapping_is_by_meaning_the_titles_agree() -> None:
    for control in load_catalog():
        mapped = later_ids(control.id)
        for version in LATER_VERSIONS:
            for requirement in mapped.ids[version]:
                later = requirement_titles(version)[requirement]
                assert _words(control.title) & _words(later), (control.id, version, requirement, later)


@pytest.mark.parametrize(
    ("control_id", "expected"),
    [
        ("1.2", {"1.4.0": ("1.10",), "3.0.0": ("1.10",), "5.0.0": ("1.9",)}),  # Security Hub IAM.5
        ("1.21", {"1.4.0": ("1.11",), "3.0.0": ("1.11",), "5.0.0": ("1.10",)}),  # not Prowler's second "1.1"
        ("2.1", {"1.4.0": ("3.1",), "3.0.0": ("3.1",), "5.0.0": ("3.1",)}),
        ("2.4", {"1.4.0": ("3.4",), "3.0.0": (), "5.0.0": ()}),
        ("3.3", {"1.4.0": ("4.3",), "3.0.0": ("4.3",), "5.0.0": ("4.3",)}),
        ("4.1", {"1.4.0": ("5.2",), "3.0.0": ("5.2", "5.3"), "5.0.0": ("5.3", "5.4")}),
        ("1.5", {"1.4.0": (), "3.0.0": (), "5.0.0": ()}),
    ],
)
def test_known_anchors(control_id: str, expected: dict[str, tuple[str, ...]]) -> None:
    assert dict(later_ids(control_id).ids) == expected
