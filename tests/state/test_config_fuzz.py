"""The session config loader never raises anything but its own clear error, whatever the file holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.errors import UsageError
from wizard.state.session_config import load_session_config

ALLOWED = {"alarm_email": str, "name_prefix": str, "min_password_length": int, "driver": str}


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_any_bytes_load_or_fail_clearly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "session.toml"
    path.write_bytes(content)
    try:
        load_session_config(str(path), ALLOWED)
    except UsageError as error:
        assert "\n" not in str(error).strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = [" * 5000, "not valid TOML"),
        ('alarm_email = "x"\n' + "# padding\n" * 40000, "larger than"),
        ("min_password_length = true\n", "must be a whole number"),
        ("[alarm_email]\nx = 1\n", "must be text in quotes"),
        ('driver = "a"\nname_prefix = 7\n', "line 2"),
    ],
)
def test_hostile_or_careless_configs_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "session.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_session_config(str(path), ALLOWED)
