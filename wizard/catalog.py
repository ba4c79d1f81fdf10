"""The CIS Amazon Web Services Foundations Benchmark v1.2.0 catalog: 49 recommendations as validated data.

The data lives in ``wizard/data/catalog.json``; this module loads it, validates it and offers lookup
(``Catalog.get``) and selection (``Catalog.select``) by id, glob or range. Headless: no UI imports.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "EXPECTED_CONTROL_COUNT",
    "FIX_KINDS",
    "Catalog",
    "CatalogError",
    "Control",
    "UnknownControlError",
    "control_id_key",
    "load_catalog",
    "parse_catalog",
]

EXPECTED_CONTROL_COUNT: Final = 49
FIX_KINDS: Final = frozenset({"auto", "guided", "manual"})
LEVELS: Final = frozenset({1, 2})

_ID_RE: Final = re.compile(r"^(\d+)\.(\d+)$")
_RANGE_RE: Final = re.compile(r"^(\d+\.\d+)\s*-\s*(\d+\.\d+)$")
# The brief said ^[A-Za-z]+\.\d+$, but Security Hub ids such as "EC2.6" and "S3.1" carry digits.
_SECURITY_HUB_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9]*\.\d+$")
_GLOB_CHARS: Final = frozenset("*?[")
_TEXT_FIELDS: Final = ("title", "short_title", "description", "rationale", "audit", "remediation")
SHORT_TITLE_MAX: Final = 40  # what fits beside the id, level, status, waiver mark and fix on an 80-column screen
_CONTROL_FIELDS: Final = frozenset(
    {"id", "section", "level", "scored", "fix", "security_hub", "references", *_TEXT_FIELDS}
)


class CatalogError(ValueError):
    """The catalog data is malformed; names the offending control and field when known."""

    def __init__(self, message: str, *, control_id: str | None = None, field: str | None = None) -> None:
        where = []
        if control_id is not None:
            where.append(f"control {control_id}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.control_id = control_id
        self.field = field


class UnknownControlError(ValueError):
    """A control id or selection pattern that matches no recommendation in the catalog."""


def control_id_key(control_id: str) -> tuple[int, int]:
    """Numeric sort key for an id like ``"1.10"`` -> ``(1, 10)``, so 1.2 sorts before 1.10."""
    match = _ID_RE.match(control_id.strip())
    if match is None:
        raise ValueError(f"invalid control id {control_id!r}: expected <section>.<number>, e.g. '1.10'")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class Control:
    """One benchmark recommendation."""

    id: str
    title: str
    short_title: str  # for narrow screens; `title` is the benchmark's own
    section: str
    level: int
    scored: bool
    description: str
    rationale: str
    audit: str
    remediation: str
    fix: str
    security_hub: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[int, int]:
        """Numeric ordering key, e.g. ``(1, 10)`` for 1.10."""
        return control_id_key(self.id)


@dataclass(frozen=True)
class Catalog:
    """The whole benchmark: metadata, section names and controls in numeric order."""

    name: str
    version: str
    sections: Mapping[str, str]
    controls: tuple[Control, ...]
    _by_id: Mapping[str, Control] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.controls, key=lambda c: c.sort_key))
        object.__setattr__(self, "controls", ordered)
        object.__setattr__(self, "sections", MappingProxyType(dict(self.sections)))
        object.__setattr__(self, "_by_id", MappingProxyType({c.id: c for c in ordered}))

    def __iter__(self) -> Iterator[Control]:
        return iter(self.controls)

    def __len__(self) -> int:
        return len(self.controls)

    def __contains__(self, control_id: object) -> bool:
        return isinstance(control_id, str) and control_id.strip() in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        """All control ids in numeric order."""
        return tuple(c.id for c in self.controls)

    def get(self, control_id: str) -> Control:
        """The control with this id; raises UnknownControlError if there is none."""
        control = self._by_id.get(control_id.strip())
        if control is None:
            raise UnknownControlError(
                f"unknown control {control_id!r}: {self.name} {self.version} has no such recommendation "
                f"(valid ids: {self._id_ranges()})"
            )
        return control

    def select(self, patterns: str) -> list[Control]:
        """Controls matching comma-separated ids, globs ("3.*") and ranges ("2.1-2.3"), in numeric order.

        Raises UnknownControlError if the selection is empty or any item matches nothing.
        """
        items = [item.strip() for item in patterns.split(",")]
        items = [item for item in items if item]
        if not items:
            raise UnknownControlError(f"empty control selection {patterns!r}: give ids, globs or ranges")
        chosen: dict[str, Control] = {}
        for item in items:
            for control in self._select_one(item):
                chosen[control.id] = control
        return sorted(chosen.values(), key=lambda c: c.sort_key)

    def _select_one(self, item: str) -> list[Control]:
        range_match = _RANGE_RE.match(item)
        if range_match is not None:
            return self._select_range(item, range_match.group(1), range_match.group(2))
        if _GLOB_CHARS.intersection(item):
            found = [c for c in self.controls if fnmatch.fnmatchcase(c.id, item)]
            if not found:
                raise UnknownControlError(f"pattern {item!r} matches no control (valid ids: {self._id_ranges()})")
            return found
        return [self.get(item)]

    def _select_range(self, item: str, start: str, end: str) -> list[Control]:
        first, last = self.get(start), self.get(end)
        if first.section != last.section:
            raise UnknownControlError(
                f"range {item!r} spans sections {first.section} and {last.section}; ranges must stay within one section"
            )
        if first.sort_key > last.sort_key:
            raise UnknownControlError(f"range {item!r} is reversed; write it as {end}-{start}")
        return [c for c in self.controls if first.sort_key <= c.sort_key <= last.sort_key]

    def _id_ranges(self) -> str:
        parts = []
        for section in sorted({c.section for c in self.controls}, key=int):
            ids = [c.id for c in self.controls if c.section == section]
            parts.append(ids[0] if len(ids) == 1 else f"{ids[0]}-{ids[-1]}")
        return ", ".join(parts)


def _require_str(value: Any, *, control_id: str | None, name: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise CatalogError(f"must be a string, got {type(value).__name__}", control_id=control_id, field=name)
    if not allow_empty and not value.strip():
        raise CatalogError("must not be empty", control_id=control_id, field=name)
    return value


def _require_str_list(value: Any, *, control_id: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CatalogError(f"must be a list, got {type(value).__name__}", control_id=control_id, field=name)
    items = tuple(_require_str(v, control_id=control_id, name=name) for v in value)
    if len(set(items)) != len(items):
        raise CatalogError("contains duplicates", control_id=control_id, field=name)
    return items


def _parse_control(raw: Any, index: int, sections: Mapping[str, str]) -> Control:
    if not isinstance(raw, dict):
        raise CatalogError(f"controls[{index}] must be an object, got {type(raw).__name__}")
    raw_id = raw.get("id")
    label = raw_id if isinstance(raw_id, str) and raw_id else f"#{index}"
    missing = sorted(_CONTROL_FIELDS - raw.keys())
    if missing:
        raise CatalogError("missing required field", control_id=label, field=missing[0])
    unknown = sorted(raw.keys() - _CONTROL_FIELDS)
    if unknown:
        raise CatalogError("unknown field", control_id=label, field=unknown[0])

    cid = _require_str(raw_id, control_id=label, name="id")
    if _ID_RE.match(cid) is None:
        raise CatalogError("must look like <section>.<number>, e.g. '1.10'", control_id=cid, field="id")
    section = _require_str(raw["section"], control_id=cid, name="section")
    if section != cid.split(".")[0]:
        raise CatalogError(f"{section!r} does not match the id prefix", control_id=cid, field="section")
    if section not in sections:
        raise CatalogError(f"unknown section {section!r}", control_id=cid, field="section")
    level = raw["level"]
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        raise CatalogError(f"must be 1 or 2, got {level!r}", control_id=cid, field="level")
    if not isinstance(raw["scored"], bool):
        raise CatalogError(f"must be true or false, got {raw['scored']!r}", control_id=cid, field="scored")
    if not isinstance(raw["fix"], str) or raw["fix"] not in FIX_KINDS:
        raise CatalogError(f"must be one of {sorted(FIX_KINDS)}, got {raw['fix']!r}", control_id=cid, field="fix")
    texts = {name: _require_str(raw[name], control_id=cid, name=name) for name in _TEXT_FIELDS}
    if len(texts["short_title"]) > SHORT_TITLE_MAX:
        raise CatalogError(f"longer than {SHORT_TITLE_MAX} characters", control_id=cid, field="short_title")
    security_hub = _require_str_list(raw["security_hub"], control_id=cid, name="security_hub")
    for item in security_hub:
        if _SECURITY_HUB_RE.match(item) is None:
            raise CatalogError(
                f"{item!r} is not a Security Hub control id like 'IAM.1'",
                control_id=cid,
                field="security_hub",
            )
    references = _require_str_list(raw["references"], control_id=cid, name="references")
    return Control(
        id=cid,
        section=section,
        level=level,
        scored=raw["scored"],
        fix=raw["fix"],
        security_hub=security_hub,
        references=references,
        **texts,
    )


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    """Validate decoded catalog JSON and build a Catalog; raises CatalogError on any violation."""
    if not isinstance(data, Mapping):
        raise CatalogError(f"catalog must be a JSON object, got {type(data).__name__}")
    benchmark = data.get("benchmark")
    if not isinstance(benchmark, Mapping):
        raise CatalogError("'benchmark' must be an object with 'name' and 'version'")
    name = _require_str(benchmark.get("name"), control_id=None, name="benchmark.name")
    version = _require_str(benchmark.get("version"), control_id=None, name="benchmark.version")

    sections = data.get("sections")
    if not isinstance(sections, Mapping) or not sections:
        raise CatalogError("'sections' must be a non-empty object mapping section number to name")
    for key, title in sections.items():
        if not isinstance(key, str) or not key.isdigit():
            raise CatalogError(f"section key {key!r} must be a section number like '1'")
        _require_str(title, control_id=None, name=f"sections.{key}")

    raw_controls = data.get("controls")
    if not isinstance(raw_controls, list):
        raise CatalogError("'controls' must be a list")
    controls: list[Control] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_controls):
        control = _parse_control(raw, index, sections)
        if control.id in seen:
            raise CatalogError("duplicate id", control_id=control.id, field="id")
        seen.add(control.id)
        controls.append(control)
    if len(controls) != EXPECTED_CONTROL_COUNT:
        raise CatalogError(f"expected {EXPECTED_CONTROL_COUNT} controls, found {len(controls)}")
    return Catalog(name=name, version=version, sections=dict(sections), controls=tuple(controls))


@functools.cache
def load_catalog() -> Catalog:
    """Load and validate the packaged catalog (cached; the result is immutable)."""
    resource = resources.files("wizard").joinpath("data").joinpath("catalog.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogError(f"catalog.json is not valid JSON: {exc}") from exc
    return parse_catalog(data)
