"""How fast, and in how much memory, `cis-wizard audit` runs against a seeded moto account.

    python -m benchmarks.audit_speed                  # 17 regions, no added latency
    python -m benchmarks.audit_speed --delay-ms 100   # 17 regions, 100 ms added to every request
    python -m benchmarks.audit_speed --scale          # 5,000 users, 1,000 SGs, 200 keys; 2 regions

The moto server runs in its own subprocess (benchmarks.moto_server), the audit in another
(`python -m wizard audit ... --format json --output FILE`), so the figures are the audit's own: wall time of
the audit process, its peak RSS (os.wait4), the API calls it reports, and the requests the fault proxy
(benchmarks.fault_proxy, always in between unless --direct) saw. From the proxy's request records it also
prints where the time went: start-up before the first request, the request window, the busiest
operations, the longest per-(service, region) chains, idle gaps and peak concurrency.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from benchmarks.fault_proxy import FaultProxy, RequestRecord, delay
from benchmarks.seed_account import seed_account
from wizard.sandbox.account import DEFAULT_REGIONS

REGIONS_17 = list(DEFAULT_REGIONS)  # the 17 default-enabled commercial regions
SCALE_REGIONS = ["us-east-1", "eu-west-1"]
TARGET_SECONDS_AT_100MS = 3.0
TARGET_SCALE_RSS_MB = 400
ROOT = Path(__file__).resolve().parent.parent


def _fake_aws_env(home: Path) -> dict[str, str]:
    """The audit's environment: throw-away credentials, empty AWS config, nothing that reaches real AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextmanager
def moto_server(env: dict[str, str]) -> Iterator[str]:
    """`python -m benchmarks.moto_server` in a subprocess; yields its URL; stops it afterwards."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.moto_server", "--port", "0", "--exit-on-stdin-eof"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"moto server did not start (said {line!r})")
        print(f"moto server: pid {process.pid}, started in {time.perf_counter() - started:.1f} s")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class AuditRun:
    wall: float
    exit_code: int
    peak_rss_mb: float
    cpu_seconds: float | None  # user + system time of the audit process (from /usr/bin/time)
    report: dict[str, object]
    launched: float  # time.monotonic() at launch, to place the proxy's records
    ended: float
    stderr: str

    @property
    def statuses(self) -> Counter[str]:
        controls = cast(list[dict[str, Any]], self.report.get("controls", []))
        return Counter(str(c["status"]) for c in controls)


TIME = Path("/usr/bin/time")


def _peak_rss_by_polling(pid: int, done: threading.Event, peak: list[int]) -> None:
    """Fallback without /usr/bin/time: VmHWM of the process (kB), read until it exits."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except (OSError, ValueError):
            return
        time.sleep(0.005)


def run_audit(endpoint: str, regions: list[str], env: dict[str, str], output: Path) -> AuditRun:
    """One `python -m wizard audit` subprocess: its wall time and its own peak RSS.

    Not ru_maxrss from wait4/RUSAGE_CHILDREN: Python spawns with vfork, and Linux carries the parent's
    high-water RSS over the exec into the child's ru_maxrss, so that would report this (big) process's peak.
    /usr/bin/time forks from its own small image, so its %M is the audit's; without it, poll VmHWM.
    """
    command = [
        sys.executable,
        "-m",
        "wizard",
        "audit",
        "--endpoint-url",
        endpoint,
        "--region",
        regions[0],
        "--regions",
        ",".join(regions),
        "--format",
        "json",
        "--output",
        str(output),
    ]
    rss_file = output.with_suffix(".rss")
    if TIME.exists():
        command = [str(TIME), "-f", "%M %U %S", "-o", str(rss_file), *command]
    launched = time.monotonic()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        done, peak = threading.Event(), [0]
        if not TIME.exists():
            threading.Thread(target=_peak_rss_by_polling, args=(process.pid, done, peak), daemon=True).start()
        exit_code = process.wait()
        wall = time.perf_counter() - started
        ended = time.monotonic()
        done.set()
        stderr.seek(0)
        errors = stderr.read()
    cpu = None
    if TIME.exists():  # the last line: time writes "Command exited with non-zero status 3" before it
        rss_kb, user, system = rss_file.read_text().splitlines()[-1].split()
        peak[0], cpu = int(rss_kb), float(user) + float(system)
    report = json.loads(output.read_text()) if output.exists() and output.stat().st_size else {}
    return AuditRun(wall, exit_code, peak[0] / 1024, cpu, report, launched, ended, errors)


def summary(run: AuditRun, proxy_total: int | None) -> str:
    cpu = "n/a" if run.cpu_seconds is None else f"{run.cpu_seconds:.2f} s"
    statuses = " ".join(f"{k} {v}" for k, v in sorted(run.statuses.items()))
    return (
        f"wall {run.wall:.2f} s | api_calls {run.report['api_calls']} | proxy saw "
        f"{'n/a' if proxy_total is None else proxy_total} | peak RSS {run.peak_rss_mb:.0f} MB | CPU {cpu} | "
        f"exit {run.exit_code} | {statuses}"
    )


# -- where the time went ------------------------------------------------------------------------------------


def _in_flight_peak(records: list[RequestRecord]) -> int:
    events = sorted([(r.started, 1) for r in records] + [(r.finished, -1) for r in records])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def _idle_gaps(records: list[RequestRecord], minimum: float = 0.05) -> list[tuple[float, float]]:
    """Stretches inside the request window with no request in flight (start, length), longest first."""
    gaps = []
    busy_until = None
    for record in sorted(records, key=lambda r: r.started):
        if busy_until is not None and record.started - busy_until >= minimum:
            gaps.append((busy_until, record.started - busy_until))
        busy_until = record.finished if busy_until is None else max(busy_until, record.finished)
    return sorted(gaps, key=lambda g: -g[1])


def explain(run: AuditRun, records: list[RequestRecord], top: int = 8) -> list[str]:
    if not records:
        return ["  (no requests recorded)"]
    first = min(r.started for r in records) - run.launched
    last = max(r.finished for r in records) - run.launched
    lines = [
        f"  start-up before the first request: {first:.2f} s; request window {first:.2f}-{last:.2f} s; "
        f"after the last answer: {run.wall - last:.2f} s",
        f"  peak requests in flight: {_in_flight_peak(records)}",
    ]
    by_operation = Counter(r.info.key for r in records)
    lines.append("  busiest operations: " + ", ".join(f"{k} {n}" for k, n in by_operation.most_common(top)))
    chains: dict[tuple[str, str], list[RequestRecord]] = defaultdict(list)
    for record in records:
        chains[(record.info.service, record.info.region)].append(record)
    spans = sorted(
        (
            (
                max(r.finished for r in rs) - min(r.started for r in rs),
                key,
                len(rs),
                sum(r.finished - r.started for r in rs),
            )
            for key, rs in chains.items()
        ),
        reverse=True,
    )
    lines.append("  longest (service, region) spans (first request to last answer; requests; summed request time):")
    for span, (service, region), count, busy in spans[:5]:
        lines.append(f"    {service:<10} {region:<15} {span:5.2f} s  {count:4d} requests  {busy:5.2f} s")
    gaps = _idle_gaps(records)
    if gaps:
        listed = ", ".join(f"{length:.2f} s at {start - run.launched:.2f} s" for start, length in gaps[:4])
        lines.append(f"  idle gaps inside the window (nothing in flight): {listed}")
    late = [r for r in records if r.started - run.launched > last - 1.0]
    lines.append(
        "  requests in the last second of the window: "
        + ", ".join(f"{k} {n}" for k, n in Counter(r.info.key for r in late).most_common(top))
    )
    return lines


# -- the benchmark ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--delay-ms", type=float, default=0, help="latency the proxy adds to every request")
    parser.add_argument("--scale", action="store_true", help="5,000 users, 1,000 SGs and 200 keys; 2 regions")
    parser.add_argument("--regions", help="regions to seed and audit (default: the 17, or 2 with --scale)")
    parser.add_argument("--repeat", type=int, default=1, help="audit this many times (same account)")
    parser.add_argument("--direct", action="store_true", help="no proxy between the audit and moto")
    parser.add_argument("--keep", help="keep the last audit's JSON report in this file")
    args = parser.parse_args(argv)
    if args.direct and args.delay_ms:
        parser.error("--delay-ms needs the proxy (drop --direct)")
    regions = args.regions.split(",") if args.regions else (SCALE_REGIONS if args.scale else REGIONS_17)

    with tempfile.TemporaryDirectory(prefix="audit-speed-") as scratch:
        env = _fake_aws_env(Path(scratch))
        os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")})
        with moto_server(env) as moto_url:
            report = seed_account(moto_url, regions, scale=args.scale)
            print(f"seeded {len(regions)} region(s){' + scale' if args.scale else ''}:")
            print("\n".join(report.lines()))
            proxy = None if args.direct else FaultProxy(upstream=moto_url).start()
            try:
                if proxy is not None and args.delay_ms:
                    proxy.add_rule("*", delay(args.delay_ms / 1000))
                endpoint = proxy.url if proxy is not None else moto_url
                print(
                    f"\naudit: {len(regions)} region(s), "
                    f"{'direct to moto' if proxy is None else f'through the proxy, +{args.delay_ms:g} ms per request'}"
                )
                walls = []
                for attempt in range(1, args.repeat + 1):
                    if proxy is not None:
                        proxy.reset_counts()
                    output = Path(args.keep) if args.keep else Path(scratch) / "audit.json"
                    run = run_audit(endpoint, regions, env, output)
                    walls.append(run.wall)
                    if not run.report:
                        print(f"audit failed (exit {run.exit_code}):\n{run.stderr}")
                        return 1
                    print(f"run {attempt}: {summary(run, proxy.total if proxy is not None else None)}")
                    if proxy is not None:
                        print("\n".join(explain(run, proxy.records)))
                if args.repeat > 1:
                    print(f"wall: median {statistics.median(walls):.2f} s, best {min(walls):.2f} s")
                if args.delay_ms == 100 and not args.scale and len(regions) == len(REGIONS_17):
                    verdict = "met" if min(walls) < TARGET_SECONDS_AT_100MS else "MISSED"
                    print(f"target: 17 regions in < {TARGET_SECONDS_AT_100MS:g} s at 100 ms/request: {verdict}")
                if args.scale:
                    verdict = "met" if run.peak_rss_mb < TARGET_SCALE_RSS_MB else "MISSED"
                    print(f"target: peak RSS < {TARGET_SCALE_RSS_MB} MB at scale: {verdict}")
            finally:
                if proxy is not None:
                    proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
