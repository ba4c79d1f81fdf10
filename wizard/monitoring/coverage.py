"""CIS AWS Foundations Benchmark v1.2.0 controls 3.1-3.14: metric filters matched by meaning.

A metric filter found on the CloudTrail log group "covers" a control when, evaluated against sample
CloudTrail events, it matches every event the benchmark's own pattern is meant to catch (``positives``)
and none of a set of ordinary events that no 3.x pattern matches (``UNIVERSAL_NEGATIVES``), so a
catch-all such as ``{ $.eventName = * }`` is not accepted while one filter that ORs several controls'
patterns together covers each of them. The patterns and the samples are data (see ``definitions``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wizard.monitoring.definitions import (
    CIS_FILTER_PATTERNS,
    CIS_METRIC_NAMES,
    CONTROL_SAMPLES,
    UNIVERSAL_NEGATIVES,
    ControlSamples,
)
from wizard.monitoring.filter_pattern import FilterPattern, FilterPatternError, parse_filter_pattern
from wizard.monitoring.sample_events import SampleEvent

__all__ = [
    "CIS_FILTER_PATTERNS",
    "CIS_METRIC_NAMES",
    "CONTROL_SAMPLES",
    "UNIVERSAL_NEGATIVES",
    "ControlSamples",
    "FilterCoverage",
    "SampleEvent",
    "evaluate_filter",
]


@dataclass(frozen=True)
class FilterCoverage:
    control_id: str
    covers: bool
    missing: tuple[str, ...]  # labels of positives the pattern does not match
    overbroad: tuple[str, ...]  # labels of universal negatives the pattern matches
    error: str | None  # parse error message, when the pattern does not parse


@functools.lru_cache(maxsize=512)
def _parse(pattern_text: str) -> FilterPattern | str:
    """The parsed pattern, or the parse error message (cached by text)."""
    try:
        return parse_filter_pattern(pattern_text)
    except FilterPatternError as error:
        return str(error)


def _labels(pattern: FilterPattern, samples: tuple[SampleEvent, ...], *, matching: bool) -> tuple[str, ...]:
    return tuple(sample.label for sample in samples if pattern.matches(sample.event) == matching)


def evaluate_filter(control_id: str, pattern_text: str) -> FilterCoverage:
    """Does the metric filter ``pattern_text`` cover CIS control ``control_id`` (``"3.1"`` .. ``"3.14"``)?

    A pattern that does not parse covers nothing: every positive is reported missing and ``error`` holds
    the parse error message.
    """
    samples = CONTROL_SAMPLES.get(control_id)
    if samples is None:
        raise ValueError(f"unknown CIS control {control_id!r}; expected one of {', '.join(CONTROL_SAMPLES)}")
    parsed = _parse(pattern_text)
    if isinstance(parsed, str):
        missing = tuple(sample.label for sample in samples.positives)
        return FilterCoverage(control_id, False, missing, (), parsed)
    missing = _labels(parsed, samples.positives, matching=False)
    overbroad = _labels(parsed, UNIVERSAL_NEGATIVES, matching=True)
    return FilterCoverage(control_id, not missing and not overbroad, missing, overbroad, None)
