"""Plain http to another computer would carry the signed requests, session token included, in clear: it is
refused in one line (exit 2, no request sent) unless asked for with --allow-insecure-endpoint, in the
command line and on the wizard's connect screen."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Static

from screens.app import WizardApp
from tests.support.cli import run_cli
from wizard.aws.context import AwsContext, AwsSettings, InsecureEndpointError, is_insecure_endpoint
from wizard.cli import aws_settings, build_parser

FAR = "http://10.0.0.1:5000"  # nothing answers there: a request would hang for seconds, not fail at once


@pytest.mark.parametrize(
    ("url", "insecure"),
    [
        (FAR, True),
        ("http://moto.example.com:5000", True),
        ("http://[fd00::1]:5000", True),
        ("http://127.0.0.1:5000", False),
        ("http://127.8.9.10:5000", False),
        ("http://[::1]:5000", False),
        ("http://localhost:5000", False),
        ("https://10.0.0.1:5000", False),
    ],
)
def test_only_plain_http_off_this_computer_is_insecure(url: str, insecure: bool) -> None:
    assert is_insecure_endpoint(url) is insecure


def test_the_context_refuses_it_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InsecureEndpointError, match="session token included, would travel in clear"):
        AwsContext(AwsSettings(endpoint_url=FAR))
    monkeypatch.setenv("AWS_ENDPOINT_URL", FAR)
    with pytest.raises(InsecureEndpointError, match="--allow-insecure-endpoint"):
        AwsContext(AwsSettings())
    assert AwsContext(AwsSettings(allow_insecure_endpoint=True)).endpoint_url == FAR


def test_the_flag_is_common_to_every_command() -> None:
    parser = build_parser()
    assert aws_settings(parser.parse_args(["audit", "--allow-insecure-endpoint"])).allow_insecure_endpoint
    assert aws_settings(parser.parse_args(["--allow-insecure-endpoint", "plan"])).allow_insecure_endpoint
    assert not aws_settings(parser.parse_args(["log", "verify"])).allow_insecure_endpoint


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_audit_refuses_in_one_line_without_sending_anything(how: str) -> None:
    args = ["--endpoint-url", FAR] if how == "flag" else []
    started = time.monotonic()
    proc = run_cli("audit", *args, env={"AWS_ENDPOINT_URL": FAR} if how == "environment" else None)
    assert time.monotonic() - started < 5  # the client's connect timeout alone is 5 s
    assert proc.returncode == 2 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"cis-wizard: The endpoint {FAR} is plain http to another computer")
    assert "--allow-insecure-endpoint" in line


async def test_the_connect_screen_refuses_it_until_the_box_is_ticked(tmp_path: Path) -> None:
    app = WizardApp(AwsSettings(region="us-east-1"), log_path=tmp_path / "a.jsonl")
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one("#endpoint", Input).value = FAR
        await pilot.click("#connect")
        await pilot.pause()
        status = str(app.screen.query_one("#connect-status", Static).content)
        assert "would travel in clear" in status and "Allow plain http" in status
        assert app.session is None and not [w for w in app.workers if w.group == "connect"]
        box = app.screen.query_one("#insecure", Checkbox)
        assert "session token in clear" in str(box.label)
        assert not app.screen._settings().allow_insecure_endpoint  # type: ignore[attr-defined]
        box.value = True
        assert app.screen._settings().allow_insecure_endpoint  # type: ignore[attr-defined]
