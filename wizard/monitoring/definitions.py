"""CIS 3.1-3.14 as data: each control's filter pattern, the metric its alarm watches, and the sample CloudTrail
events its filter is judged by. Loaded once from ``wizard/data/monitoring.json`` and validated when loaded:
every pattern parses, and matches every one of its control's events, none of its near misses and none of the
ordinary events that no 3.x pattern matches.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from wizard.monitoring.filter_pattern import FilterPatternError, parse_filter_pattern
from wizard.monitoring.sample_events import RecordTemplates, SampleDataError, SampleEvent

_CONTROL_ID: Final = re.compile(r"^3\.([1-9]|1[0-4])$")
_METRIC_NAME: Final = re.compile(r"^[A-Za-z0-9]{1,255}$")


class MonitoringDataError(ValueError):
    """The monitoring data is malformed; names the control and what is wrong."""


@dataclass(frozen=True)
class ControlSamples:
    control_id: str
    positives: tuple[SampleEvent, ...]  # events the control's filter must match
    near_misses: tuple[SampleEvent, ...]  # events like them that it must not


@dataclass(frozen=True)
class MonitoringControl:
    control_id: str
    filter_pattern: str  # the exact v1.2.0 filterPattern of the control's Audit step (line wraps rejoined)
    metric_name: str  # the name the benchmark's remediation steps suggest
    samples: ControlSamples


@dataclass(frozen=True)
class MonitoringDefinitions:
    controls: Mapping[str, MonitoringControl]  # in benchmark order, 3.1 first
    ordinary_events: tuple[SampleEvent, ...]  # no 3.x pattern matches them: a filter that does is too broad


def _check_pattern(control: MonitoringControl, ordinary: tuple[SampleEvent, ...]) -> None:
    try:
        pattern = parse_filter_pattern(control.filter_pattern)
    except FilterPatternError as error:
        raise MonitoringDataError(f"control {control.control_id}: its pattern does not parse: {error}") from error
    wrong = [
        *(f"misses {s.label!r}" for s in control.samples.positives if not pattern.matches(s.event)),
        *(f"matches the near miss {s.label!r}" for s in control.samples.near_misses if pattern.matches(s.event)),
        *(f"matches the ordinary event {s.label!r}" for s in ordinary if pattern.matches(s.event)),
    ]
    if wrong:
        raise MonitoringDataError(f"control {control.control_id}: its own pattern {'; '.join(wrong)}")


def _control(control_id: str, entry: Any, templates: RecordTemplates) -> MonitoringControl:
    if not _CONTROL_ID.match(control_id) or not isinstance(entry, Mapping):
        raise MonitoringDataError(f"{control_id!r} is not a 3.x control with an object of facts")
    if set(entry) != {"filter_pattern", "metric_name", "positives", "near_misses"}:
        raise MonitoringDataError(f"control {control_id}: expected filter_pattern, metric_name, positives, near_misses")
    pattern, metric = entry["filter_pattern"], entry["metric_name"]
    if not isinstance(pattern, str) or not isinstance(metric, str) or not _METRIC_NAME.match(metric):
        raise MonitoringDataError(f"control {control_id}: filter_pattern and metric_name must be strings")
    positives = templates.build_all(f"{control_id} positives", entry["positives"])
    near_misses = templates.build_all(f"{control_id} near_misses", entry["near_misses"])
    if not positives or not near_misses:
        raise MonitoringDataError(f"control {control_id}: needs positives and near misses")
    return MonitoringControl(control_id, pattern, metric, ControlSamples(control_id, positives, near_misses))


def parse_monitoring(data: Mapping[str, Any]) -> MonitoringDefinitions:
    """The definitions from the decoded JSON; MonitoringDataError names what is wrong."""
    try:
        templates = RecordTemplates(data["base_record"], data["identities"], data["templates"])
        controls = {cid: _control(cid, entry, templates) for cid, entry in data["controls"].items()}
        ordinary = templates.build_all("ordinary_events", data["ordinary_events"])
    except SampleDataError as error:
        raise MonitoringDataError(str(error)) from error
    except (KeyError, TypeError, AttributeError) as error:
        raise MonitoringDataError(f"the monitoring data lacks a part or has one of the wrong kind: {error}") from error
    if list(controls) != [f"3.{n}" for n in range(1, len(controls) + 1)]:
        raise MonitoringDataError(f"controls must run 3.1, 3.2, ... in order (got {', '.join(controls)})")
    for control in controls.values():
        _check_pattern(control, ordinary)
    return MonitoringDefinitions(controls, ordinary)


@functools.cache
def load_monitoring() -> MonitoringDefinitions:
    text = resources.files("wizard").joinpath("data/monitoring.json").read_text(encoding="utf-8")
    return parse_monitoring(json.loads(text))


CIS_FILTER_PATTERNS: Final[Mapping[str, str]] = {
    cid: control.filter_pattern for cid, control in load_monitoring().controls.items()
}
CIS_METRIC_NAMES: Final[Mapping[str, str]] = {
    cid: control.metric_name for cid, control in load_monitoring().controls.items()
}
CONTROL_SAMPLES: Final[Mapping[str, ControlSamples]] = {
    cid: control.samples for cid, control in load_monitoring().controls.items()
}
UNIVERSAL_NEGATIVES: Final[tuple[SampleEvent, ...]] = load_monitoring().ordinary_events
"""Ordinary events that no CIS 3.x pattern matches; a filter matching any of them is over-broad."""
