"""How fast the wizard appears: launch to the connect screen, and choosing the sandbox to its audited overview.

    .venv/bin/python -m benchmarks.tui_startup [--runs 3]

Each run is a fresh Python process (imports included) driving the real app headless at 120x36:
- launch: from process start to the connect screen mounted (target < 1 s);
- sandbox: from pressing "Try the sandbox" to the overview of the audited 17-region sandbox (target < 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import time, json, os, sys
T0 = float(sys.argv[1])
import asyncio
from screens.app import WizardApp
from screens.connect import ConnectScreen
from screens.overview import OverviewScreen
from wizard.sandbox import start_sandbox

async def main():
    app = WizardApp(sandbox_starter=lambda: start_sandbox("fresh"), log_path=None)
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, ConnectScreen):
            await pilot.pause(0.005)
        launch = time.time() - T0
        chosen = time.time()
        await pilot.press("s")
        while not isinstance(app.screen, OverviewScreen):
            await pilot.pause(0.02)
        sandbox = time.time() - chosen
        print(json.dumps({"launch": launch, "sandbox": sandbox, "regions": len(app.session.connection.regions)}))
        await pilot.press("ctrl+q")

asyncio.run(main())
"""


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "XDG_DATA_HOME": data, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        import time

        start = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(start)], capture_output=True, text=True, env=env, timeout=300
        )
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    for number, run in enumerate(runs, 1):
        print(
            f"run {number}: launch to connect screen {run['launch']:.2f} s | sandbox chosen to overview "
            f"({int(run['regions'])} regions audited) {run['sandbox']:.2f} s"
        )
    launch = statistics.median(r["launch"] for r in runs)
    sandbox = statistics.median(r["sandbox"] for r in runs)
    print(
        f"median: launch {launch:.2f} s (target < 1 s: {'met' if launch < 1 else 'MISSED'}), "
        f"sandbox {sandbox:.2f} s (target < 5 s: {'met' if sandbox < 5 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
