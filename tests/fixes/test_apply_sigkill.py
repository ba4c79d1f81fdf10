"""SIGKILL in the middle of an apply: the log verifies (a torn tail, if any, is reported, not fatal), the
intent without a result is visible, and a rerun finishes the job without repeating what was done."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from benchmarks.fault_proxy import FaultProxy, delay
from tests.support.cli import run_cli, start_cli


def test_killed_apply_then_verify_and_resume(endpoint: str, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    args = ["apply", "--controls", "2.1,2.4", "--regions", "us-east-1", "--yes", "--log", str(log)]
    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_rule("*", delay(0.3))
        process = start_cli(*args, "--endpoint-url", proxy.url)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            calls = (
                [line for line in log.read_text().splitlines() if '"kind":"call"' in line.replace(" ", "")]
                if log.exists()
                else []
            )
            if len(calls) >= 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    verify = run_cli("log", "verify", "--log", str(log), "--format", "json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip().endswith("}")]
    calls = {r["payload"]["call_id"] for r in records if r.get("kind") == "call"}
    results = {r["payload"]["call_id"] for r in records if r.get("kind") == "result"}
    assert len(calls) >= 3
    done_before = len(results)
    rerun = run_cli(*args, "--endpoint-url", endpoint)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert run_cli("log", "verify", "--log", str(log)).returncode == 0
    audit = run_cli(
        "audit", "--endpoint-url", endpoint, "--regions", "us-east-1", "--controls", "2.1,2.4", "--format", "json"
    )
    assert {c["status"] for c in json.loads(audit.stdout)["controls"]} == {"PASS"}
    after = [json.loads(line) for line in log.read_text().splitlines() if line.strip().endswith("}")]
    creates = [r for r in after if r.get("kind") == "call" and r["payload"]["operation"] == "CreateTrail"]
    assert len(creates) == 1, "the trail was created once, not again by the rerun"
    assert done_before >= 2
