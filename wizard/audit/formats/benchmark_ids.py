"""Each control's ids in CIS AWS Foundations Benchmark v1.4.0, v3.0.0 and v5.0.0 (`wizard/data/benchmark_ids.json`,
with its sources named there): what Security Hub, Prowler and most teams now speak."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

BASE_VERSION: Final = "1.2.0"
LATER_VERSIONS: Final = ("1.4.0", "3.0.0", "5.0.0")


@dataclass(frozen=True)
class LaterIds:
    control_id: str
    ids: Mapping[str, tuple[str, ...]]  # version -> ids (empty: dropped in that version)
    note: str | None
    merged_with: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {version: list(self.ids[version]) for version in LATER_VERSIONS}
        if self.note:
            entry["note"] = self.note
        if self.merged_with:
            entry["merged_with"] = list(self.merged_with)
        return entry

    def requirements(self) -> list[str]:
        """`CIS AWS Foundations Benchmark v1.4.0/1.10`, ..., the v1.2.0 id first."""
        found = [f"CIS AWS Foundations Benchmark v{BASE_VERSION}/{self.control_id}"]
        for version in LATER_VERSIONS:
            found += [f"CIS AWS Foundations Benchmark v{version}/{rid}" for rid in self.ids[version]]
        return found

    def in_words(self) -> str:
        """`v1.4.0 1.10 · v3.0.0 1.10 · v5.0.0 1.9` (and "dropped" where it was)."""
        return " · ".join(f"v{v} {', '.join(self.ids[v]) or 'dropped'}" for v in LATER_VERSIONS)


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files("wizard").joinpath("data/benchmark_ids.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def requirement_titles(version: str) -> Mapping[str, str]:
    titles: Mapping[str, str] = _data()["versions"][version]["requirements"]
    return titles


def sources(version: str) -> list[str]:
    listed: list[str] = _data()["versions"][version]["sources"]
    return listed


@functools.cache
def later_ids(control_id: str) -> LaterIds:
    entry = _data()["controls"].get(control_id)
    if entry is None:
        return LaterIds(control_id, {v: () for v in LATER_VERSIONS}, None, ())
    return LaterIds(
        control_id,
        {version: tuple(entry.get(version, ())) for version in LATER_VERSIONS},
        entry.get("note"),
        tuple(entry.get("merged_with", ())),
    )


def all_controls() -> list[str]:
    return list(_data()["controls"])
