"""Running a `plan --format sh` script the way a user would: bash, with the real AWS CLI (the `aws_cli`
fixture) first on PATH and no pager."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.accounts import HOME


def account_env(endpoint: str, secret_access_key: str = "testing") -> dict[str, str]:
    """The variables that point the wizard and the aws CLI at the moto account at `endpoint`."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": secret_access_key,  # moto accepts any secret
        "AWS_DEFAULT_REGION": HOME,
    }


def run_script(
    script: str, folder: Path, aws_cli: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Save `script` as fix.sh in `folder` and run it with bash, the aws CLI at `aws_cli` and `env` in force."""
    path = folder / "fix.sh"
    path.write_text(script)
    shell_env = {**os.environ, **env, "PATH": f"{aws_cli.parent}:{os.environ['PATH']}", "AWS_PAGER": ""}
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, env=shell_env, timeout=timeout)
