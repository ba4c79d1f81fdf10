"""The catalog as loaded, and a fresh mutable copy of the JSON it is loaded from."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from wizard.catalog import Catalog, load_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged catalog JSON."""
    text = resources.files("wizard").joinpath("data").joinpath("catalog.json").read_text(encoding="utf-8")
    return json.loads(text)
