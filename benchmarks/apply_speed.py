"""Time to apply every automatic fix across the sandbox's 17 regions, and to find nothing left the second time.

    .venv/bin/python -m benchmarks.apply_speed                  # no added latency
    .venv/bin/python -m benchmarks.apply_speed --delay-ms 100   # +100 ms on every request, as a far region

Starts `cis-wizard sandbox --state fresh` (17 regions) in a subprocess and puts a FaultProxy in front of it
(in this process, adding `--delay-ms` to every request). Then times, each in its own process through the proxy:
`apply --all-failing --yes --alarm-email ...` (what it changed, whether a step failed), `audit` (every
automatic control's status), a second `apply` (which must make no changing call), and `log verify`. The
proxy's request records say how much of the apply was concurrent (peak requests in flight).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.fault_proxy import FaultProxy, delay
from wizard.catalog import load_catalog
from wizard.sandbox.account import DEFAULT_REGIONS

SECURITY_CONTACT = (
    "--security-contact-name",
    "Sec Ops",
    "--security-contact-email",
    "sec@example.com",
    "--security-contact-phone",
    "+15555550100",
    "--security-contact-title",
    "Security",
)


def wizard(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", *args], capture_output=True, text=True, env=env, timeout=1200
    )
    return time.perf_counter() - start, proc


def changing_calls(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if json.loads(line)["kind"] == "call")


def peak_in_flight(proxy: FaultProxy, since: float) -> int:
    """The most requests the proxy had open at once (from its records) after `since` (time.monotonic)."""
    edges = sorted(
        (moment, step)
        for record in proxy.records
        if record.started >= since
        for moment, step in ((record.started, 1), (record.finished, -1))
    )
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def phases(log: Path) -> str:
    """Where the apply's time went, from its audit log: audit and planning, the calls, the verify."""
    records = [json.loads(line) for line in log.read_text().splitlines()]
    start = next(r for r in records if r["kind"] == "session-start")
    end = next(r for r in records if r["kind"] == "session-end")
    calls = [r for r in records if r["kind"] in ("call", "result")]
    moments = [datetime.fromisoformat(r["time"].rstrip("Z")) for r in (start, calls[0], calls[-1], end)]
    audit, run, verify = ((b - a).total_seconds() for a, b in itertools.pairwise(moments))
    return f"audit and plan {audit:.1f} s, calls (with re-reads) {run:.1f} s, verify {verify:.1f} s"


def start_sandbox(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "wizard", "sandbox", "--port", "0", "--state", "fresh"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    for line in server.stdout:
        if "AWS_ENDPOINT_URL=" in line:
            return server, line.split("AWS_ENDPOINT_URL=", 1)[1].strip().strip("'\"")
    raise SystemExit("the sandbox did not start")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="latency added to every request")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data:
        os.chmod(data, 0o700)
        env = {**os.environ, "XDG_DATA_HOME": data, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        server, endpoint = start_sandbox(env)
        try:
            with FaultProxy(upstream=endpoint) as proxy:
                if args.delay_ms:
                    proxy.add_rule("*", delay(args.delay_ms / 1000))
                env.update(
                    {
                        "AWS_ENDPOINT_URL": proxy.url,
                        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "AWS_DEFAULT_REGION": "us-east-1",
                    }
                )
                log = Path(data) / "audit.jsonl"
                common = ["--regions", ",".join(DEFAULT_REGIONS), "--log", str(log), *SECURITY_CONTACT]
                print(f"17 regions, +{args.delay_ms:.0f} ms per request")
                proxy.reset_counts()
                began = time.monotonic()
                took, first = wizard(
                    "apply", "--all-failing", "--yes", "--alarm-email", "sec@example.com", *common, env=env
                )
                calls = changing_calls(log)
                failed = "Stopped:" in first.stdout
                print(f"  {phases(log)}")
                busiest = ", ".join(f"{s}:{o} {n}" for (s, o), n in proxy.counts.most_common(8))
                print(f"  busiest operations: {busiest}")
                print(
                    f"apply --all-failing: {took:.1f} s, {calls} changing calls, {proxy.total} requests in all, "
                    f"peak {peak_in_flight(proxy, began)} in flight, failed step: {failed}, exit {first.returncode}"
                )
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
                again = changing_calls(log) - calls
                print(f"second apply: {took:.1f} s, {again} changing calls, exit {second.returncode}")
                took, verify = wizard("log", "verify", "--log", str(log), env=env)
                print(f"log verify: {took:.1f} s, exit {verify.returncode}: {verify.stdout.strip().splitlines()[0]}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
