"""Time to apply every automatic fix across the sandbox's 17 regions, and to find nothing left the second time.

    .venv/bin/python -m benchmarks.apply_speed

Starts `cis-wizard sandbox --state fresh` (17 regions) in a subprocess, then times, each in its own process:
`apply --all-failing --yes --alarm-email ...`, `audit` (every automatic control's status), and a second
`apply` (which must make no changing call), and `log verify`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wizard.catalog import load_catalog
from wizard.sandbox.account import DEFAULT_REGIONS


def wizard(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env, timeout=1200
    )
    return time.perf_counter() - start, proc


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "XDG_DATA_HOME": data, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        server = subprocess.Popen(
            [sys.executable, "-m", "wizard", "sandbox", "--port", "0", "--state", "fresh"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert server.stdout is not None
            endpoint = ""
            for line in server.stdout:
                if "AWS_ENDPOINT_URL=" in line:
                    endpoint = line.split("AWS_ENDPOINT_URL=", 1)[1].strip().strip("'\"")
                    break
            env.update(
                {
                    "AWS_ENDPOINT_URL": endpoint,
                    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "AWS_DEFAULT_REGION": "us-east-1",
                }
            )
            log = str(Path(data) / "audit.jsonl")
            common = [
                "--regions",
                ",".join(DEFAULT_REGIONS),
                "--log",
                log,
                "--security-contact-name",
                "Sec Ops",
                "--security-contact-email",
                "sec@example.com",
                "--security-contact-phone",
                "+15555550100",
                "--security-contact-title",
                "Security",
            ]
            took, first = wizard(
                "apply", "--all-failing", "--yes", "--alarm-email", "sec@example.com", *common, env=env
            )
            calls = sum(1 for line in Path(log).read_text().splitlines() if json.loads(line)["kind"] == "call")
            print(f"apply --all-failing: {took:.1f} s, {calls} changing calls, exit {first.returncode}")
            took, audit = wizard("audit", "--regions", ",".join(DEFAULT_REGIONS), "--format", "json", env=env)
            report = json.loads(audit.stdout)
            auto = {c.id for c in load_catalog() if c.fix == "auto"}
            statuses = {c["id"]: c["status"] for c in report["controls"] if c["id"] in auto}
            left = {c: s for c, s in statuses.items() if s != "PASS"}
            print(
                f"audit after: {took:.1f} s, {len(report['regions'])} regions, {report['api_calls']} api calls; "
                f"auto controls PASS {len(auto) - len(left)}/{len(auto)}; not PASS: {left}"
            )
            took, second = wizard(
                "apply", "--all-failing", "--yes", "--alarm-email", "sec@example.com", *common, env=env
            )
            calls_after = sum(1 for line in Path(log).read_text().splitlines() if json.loads(line)["kind"] == "call")
            print(f"second apply: {took:.1f} s, {calls_after - calls} changing calls, exit {second.returncode}")
            took, verify = wizard("log", "verify", "--log", log, env=env)
            print(f"log verify: {took:.1f} s, exit {verify.returncode}: {verify.stdout.strip().splitlines()[0]}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
