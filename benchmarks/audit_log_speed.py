"""How fast the audit log appends (each record fsynced under an exclusive lock) and verifies.

    .venv/bin/python benchmarks/audit_log_speed.py                  # 10,000 records in a temporary directory
    .venv/bin/python benchmarks/audit_log_speed.py --records 2000 --dir /var/tmp

Appends a realistic mix (call intents with parameters and CLI text, results with responses, findings with
evidence), then verifies the whole log (hash chain, every HMAC, the head anchor) a few times and reports the
best. Target: verifying 10,000 records in under 1 s. The key goes to a 0600 file beside the log (keyring's
"fail" backend), so nothing touches the OS keyring of the machine running it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keyring
import keyring.backends.fail

from wizard.audit_log import AuditLog, Kind, verify_log

ACCOUNT_ID = "123456789012"
CALLER = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
VERIFY_TARGET_S = 1.0


def append_records(log: AuditLog, count: int) -> list[float]:
    """Append `count` records as a fix session would write them; the time of each append, in seconds."""
    timings: list[float] = []
    index = 0
    while len(timings) < count:
        index += 1
        control = f"1.{index % 22 + 1}"
        call = {
            "service": "iam",
            "operation": "UpdateAccountPasswordPolicy",
            "region": "us-east-1",
            "params": {"MinimumPasswordLength": 14, "RequireSymbols": True, "PasswordReusePrevention": 24},
            "cli": "aws iam update-account-password-policy --minimum-password-length 14 --require-symbols "
            "--password-reuse-prevention 24 --region us-east-1",
        }
        started = time.perf_counter()
        if index % 3 == 0:
            log.record(
                Kind.FINDING,
                {
                    "status": "FAIL",
                    "summary": f"finding {index}",
                    "evidence": [
                        {
                            "operation": "iam:GetAccountPasswordPolicy",
                            "region": "us-east-1",
                            "cli": "aws iam get-account-password-policy",
                            "response": {"PasswordPolicy": {"MinimumPasswordLength": 8, "RequireSymbols": False}},
                        }
                    ],
                },
                control_id=control,
            )
            timings.append(time.perf_counter() - started)
            continue
        token = log.call_intent(call, control_id=control)
        timings.append(time.perf_counter() - started)
        if len(timings) < count:
            started = time.perf_counter()
            log.call_result(token, "ok", response={"ResponseMetadata": {"HTTPStatusCode": 200}})
            timings.append(time.perf_counter() - started)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--dir", help="where to write the log (default: a temporary directory)")
    parser.add_argument("--verify-runs", type=int, default=3)
    args = parser.parse_args(argv)
    keyring.set_keyring(keyring.backends.fail.Keyring())  # never the OS keyring of the machine running this

    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        path = Path(directory) / f"{ACCOUNT_ID}.jsonl"
        with AuditLog(path, ACCOUNT_ID, CALLER, notice=lambda _: None) as log:
            started = time.perf_counter()
            timings = append_records(log, args.records)
            append_total = time.perf_counter() - started
        size = path.stat().st_size
        verify_times = []
        for _ in range(args.verify_runs):
            started = time.perf_counter()
            report = verify_log(path)
            verify_times.append(time.perf_counter() - started)
            if not report.intact or report.last_seq != args.records:
                print(f"verify failed: {report.headline()}", file=sys.stderr)
                return 1

    timings.sort()
    best = min(verify_times)
    print(f"records:          {args.records:,} ({size / 1e6:.1f} MB, {size / args.records:.0f} bytes/record)")
    print(
        f"append:           {append_total:.2f} s total, {args.records / append_total:,.0f} records/s "
        f"(median {statistics.median(timings) * 1e3:.2f} ms, p99 {timings[int(len(timings) * 0.99)] * 1e3:.2f} ms "
        "per record, each fsynced)"
    )
    print(
        f"verify:           {best:.3f} s best of {args.verify_runs} "
        f"({args.records / best:,.0f} records/s; all runs: {', '.join(f'{t:.3f}' for t in verify_times)} s)"
    )
    verdict = "met" if best < VERIFY_TARGET_S else "MISSED"
    print(f"target:           verify {args.records:,} records in under {VERIFY_TARGET_S:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
