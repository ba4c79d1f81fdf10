"""Checklists walked in-process and by the command line in subprocesses: no keyring, the log's key is the 0600
file beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.checklists import AccountFiles
from wizard.aws.context import AwsContext


@pytest.fixture(autouse=True)
def log_key_in_a_file(file_key: Path) -> Path:
    return file_key


@pytest.fixture
def files(ctx: AwsContext, tmp_path: Path) -> AccountFiles:
    return AccountFiles(ctx, [HOME, OTHER], tmp_path / "logs" / f"{ACCOUNT_ID}.jsonl")
