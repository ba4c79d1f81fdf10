"""After a full run on the sandbox, no output format and no log file holds a secret; log files are 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.sandbox import start_sandbox
from wizard.sandbox.account import SANDBOX_ACCOUNT_ID, SECRET_ACCESS_KEY
from wizard.sandbox.fresh import CONSOLE_PASSWORD


def test_a_full_run_leaks_no_secret_anywhere(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys, file_key: Path
) -> None:
    from moto.iam.models import iam_backends

    log = tmp_path / "audit.jsonl"
    outputs: list[str] = []
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        for name, value in sandbox.env().items():
            monkeypatch.setenv(name, value)
        users = iam_backends[SANDBOX_ACCOUNT_ID]["aws"].users.values()
        secrets = {SECRET_ACCESS_KEY, CONSOLE_PASSWORD} | {
            key.secret_access_key for user in users for key in user.access_keys
        }
        common = ["--regions", "us-east-1,eu-west-1"]
        for fmt in ("table", "json", "csv", "asff"):
            main(["audit", *common, "--format", fmt])
        main(["plan", *common, "--all-failing", "--alarm-email", "sec@example.com", "--format", "sh"])
        main(["plan", *common, "--all-failing", "--alarm-email", "sec@example.com", "--format", "json"])
        main(["apply", *common, "--all-failing", "--yes", "--alarm-email", "sec@example.com", "--log", str(log)])
        outputs.append(capsys.readouterr().out)
        for args in (
            ["show", "--format", "json"],
            ["verify"],
            ["export", "--format", "md"],
            ["export", "--format", "html"],
            ["export", "--format", "json"],
        ):
            assert main(["log", args[0], "--log", str(log), *args[1:]]) == 0
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    files = [p for p in log.parent.iterdir() if p.is_file()]
    texts = outputs + [p.read_text(errors="replace") for p in files]
    assert len(secrets) > 3
    for secret in secrets:
        assert not [t for t in texts if secret in t], f"a secret reached the output: {secret[:4]}…"
    for path in files:
        if path.name.startswith(log.name):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
