"""A control's check and fix are found from its id in one step: `grep -rn '"3.4"' wizard/checks actions/fixes`."""

from __future__ import annotations

import inspect
import sys

import pytest

import actions.fixes  # noqa: F401  (registers the fixes)
from actions.registry import FIX_FOR_CONTROL, FIXES
from wizard.catalog import load_catalog
from wizard.checks import CHECKS

CONTROL_IDS = [control.id for control in load_catalog()]


@pytest.mark.parametrize("control_id", CONTROL_IDS)
def test_each_check_is_registered_by_its_literal_id(control_id: str) -> None:
    check = CHECKS[control_id]
    source = inspect.getsource(sys.modules[check.run.__module__])
    assert f'@register("{control_id}"' in source


@pytest.mark.parametrize("control_id", sorted(FIX_FOR_CONTROL))
def test_each_fix_names_its_controls_literally(control_id: str) -> None:
    definition = FIXES[FIX_FOR_CONTROL[control_id]]
    assert f'"{control_id}"' in inspect.getsource(sys.modules[definition.build.__module__])
