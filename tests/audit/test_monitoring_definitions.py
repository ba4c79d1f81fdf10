"""The 3.x monitoring definitions are data (wizard/data/monitoring.json): validated when loaded, and tied to the
benchmark text in the catalog, to the checks and to the fix."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest

from actions.fixes.alarms import MONITORING_CONTROLS
from actions.registry import FIXES
from wizard.catalog import load_catalog
from wizard.checks import CHECKS
from wizard.monitoring.definitions import MonitoringDataError, load_monitoring, parse_monitoring
from wizard.monitoring.sample_events import merged


def _data() -> dict[str, Any]:
    return json.loads(resources.files("wizard").joinpath("data/monitoring.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("control_id", MONITORING_CONTROLS)
def test_each_pattern_is_the_one_in_the_benchmark_text(control_id: str) -> None:
    control = load_catalog().get(control_id)
    audited = re.findall(r'"filterPattern":\s*"(.*?)"\s*\n', control.audit, re.S)
    remediated = re.findall(r"--filter-pattern\s+'(.*?)'\s*\n", control.remediation, re.S)
    pattern = load_monitoring().controls[control_id].filter_pattern
    assert audited == [pattern]
    assert remediated == [pattern]


def test_the_data_the_checks_and_the_fix_name_the_same_controls() -> None:
    assert tuple(load_monitoring().controls) == MONITORING_CONTROLS
    assert tuple(c for c in CHECKS if c.startswith("3.")) == MONITORING_CONTROLS
    assert FIXES["cis-alarms"].control_ids == MONITORING_CONTROLS


def test_the_data_is_loaded_once() -> None:
    assert load_monitoring() is load_monitoring()


def test_a_sample_names_only_what_differs_from_its_template() -> None:
    sign_in = load_monitoring().controls["3.2"].samples.positives[0].event
    assert sign_in["eventName"] == "ConsoleLogin" and sign_in["additionalEventData"]["MFAUsed"] == "No"
    assert "accessKeyId" not in sign_in["userIdentity"]  # a null in the template leaves the field out
    assert sign_in["recipientAccountId"] == "111122223333"  # from the base record
    assert merged({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"c": None}, "d": [4]}) == {"a": {"b": 1}, "d": [4]}


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(_data())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["controls"]["3.4"].update(filter_pattern="{ $.eventName = "), "3.4: its pattern does not parse"),
        (lambda d: d["controls"]["3.4"].update(filter_pattern='{ $.eventName = "PutUserPolicy" }'), "misses"),
        (lambda d: d["controls"]["3.1"].update(filter_pattern="{ $.eventName = * }"), "near miss"),
        (lambda d: d["controls"]["3.2"]["positives"][0].update(template="sign-in"), "unknown template"),
        (lambda d: d["controls"]["3.5"]["positives"].append(d["controls"]["3.5"]["positives"][0]), "same label"),
        (lambda d: d["controls"]["3.6"].pop("metric_name"), "3.6: expected"),
        (lambda d: d["controls"].pop("3.2"), "in order"),
        (lambda d: d["ordinary_events"][0]["record"].pop("eventName"), "no eventName"),
    ],
)
def test_malformed_data_is_refused_with_what_is_wrong(change: Any, message: str) -> None:
    with pytest.raises(MonitoringDataError, match=re.escape(message)):
        parse_monitoring(_broken(change))
