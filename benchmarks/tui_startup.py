"""How fast the demo shows something useful: `cis-wizard demo` from launch to its first screen and to the
audited overview of the 17-region sandbox.

    .venv/bin/python -m benchmarks.tui_startup [--runs 5] [--size 80x24]

Each run is a fresh Python process doing what `cis-wizard demo` does (`wizard.launch`: the sandbox's process
started first, then the command line imported, the entry point's garbage-collector setting, then
`screens.demo.demo_app`, which takes that sandbox, then the app), driven headless; times
are from just before that process starts:
- first screen: the first screen of the app mounted (target < 1 s);
- audited overview: the overview on screen with every control's verdict (target < 2 s, median).

The run watches for them with a plain sleep of 5 ms between looks, not `pilot.pause`, which sends a message to
every widget and repaints the screen each time it is called: at 200 looks a second the watching alone took a
share of the CPU the audit needs. A person's terminal repaints only when something changes.

Before the timed runs, one untimed run makes sure the sandbox's snapshot is in the cache (the first demo on a
computer seeds the account and keeps a snapshot: its time is printed as "cold"). Every run has a fresh data
folder (so a fresh demo log), and shares the one cache folder. The load average is printed with the results:
other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import time, json, sys
T0 = float(sys.argv[1])
from wizard.sandbox.process import start_early
start_early()  # as `cis-wizard demo` does (wizard.launch), before the command line's imports
import wizard.cli  # what the entry point imports before it runs the demo
import asyncio
from wizard.garbage import collect_garbage_less_often
collect_garbage_less_often()  # as `cis-wizard`'s entry point does
from screens.demo import demo_app

async def main():
    app = demo_app()
    first = None
    async with app.run_test(size=(int(sys.argv[2]), int(sys.argv[3]))) as pilot:
        from screens.overview import OverviewScreen
        while True:
            if first is None and len(app.screen_stack) > 1:
                first = time.time() - T0
            screen = app.screen
            if isinstance(screen, OverviewScreen) and app.session and len(app.session.current) == 49:
                break
            await asyncio.sleep(0.005)  # not pilot.pause: it makes every widget handle a message and repaints
        audited = time.time() - T0
        said = " ".join(app.sandbox.said)
        print(json.dumps({"first": first, "audited": audited, "regions": len(app.session.connection.regions),
                          "restored": "restored" in said, "sandbox": said}))
        await pilot.press("ctrl+q")

asyncio.run(main())
"""


def one_run(cache: str, size: tuple[int, int]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "XDG_DATA_HOME": data,
            "XDG_CACHE_HOME": cache,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        start = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(start), str(size[0]), str(size[1])],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="80x24", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--cache", default="", help="cache folder (default: a new one, warmed by a first run)")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as fresh_cache:
        cache = args.cache or fresh_cache
        warm = one_run(cache, (width, height))
        how = "restored" if warm["restored"] else "cold: seeded"
        print(f"warm-up: audited overview {warm['audited']:.2f} s ({how})")
        runs = [one_run(cache, (width, height)) for _ in range(args.runs)]
    for number, run in enumerate(runs, 1):
        print(
            f"run {number}: first screen {run['first']:.2f} s | audited overview ({run['regions']} regions) "
            f"{run['audited']:.2f} s | sandbox {run['sandbox']}"
        )
    first = statistics.median(float(r["first"]) for r in runs)  # type: ignore[arg-type]
    audited = statistics.median(float(r["audited"]) for r in runs)  # type: ignore[arg-type]
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"median of {len(runs)}: first screen {first:.2f} s (target < 1 s: {'met' if first < 1 else 'MISSED'}), "
        f"audited overview {audited:.2f} s (target < 2 s: {'met' if audited < 2 else 'MISSED'}); load average {load}"
    )


if __name__ == "__main__":
    main()
