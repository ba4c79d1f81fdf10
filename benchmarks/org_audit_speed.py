"""An organization's audit: N member accounts (20 by default) x 17 regions, each reached through its role.

    .venv/bin/python -m benchmarks.org_audit_speed                    # 20 accounts, 17 regions, +100 ms
    .venv/bin/python -m benchmarks.org_audit_speed --accounts 5 --delay-ms 0
    .venv/bin/python -m benchmarks.org_audit_speed --stock-moto       # moto's own server, for comparison

Starts `benchmarks.moto_server --many-accounts` in a subprocess (moto then answers each account by its
credentials), makes an organization of N accounts and seeds each as benchmarks.seed_account seeds one (the
default VPC and one more, three security groups, two KMS keys per region; a few users; a trail), puts a
FaultProxy in front adding --delay-ms to every request, then runs
`cis-wizard audit --organization --regions ... --format json` in a subprocess and reports its wall time, peak
RSS (/usr/bin/time), the requests the proxy saw in all and per account (by the access key that signed them),
and a single-account audit's request count for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3

from benchmarks.fault_proxy import FaultProxy, ProxyRequest, RequestRecord, delay
from benchmarks.seed_account import seed_account
from wizard.sandbox.account import DEFAULT_REGIONS

ROLE = "OrganizationAccountAccessRole"
BUCKET_SECONDS = 5.0
TIME = Path("/usr/bin/time")


def start_moto(stock: bool = False) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "benchmarks.moto_server", "--port", "0", "--many-accounts", "--exit-on-stdin-eof"]
    server = subprocess.Popen(
        command + (["--stock-moto"] if stock else []),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    return server, f"http://127.0.0.1:{int(line.split()[1])}"


def assumed(endpoint: str, account_id: str) -> boto3.Session:
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="seed")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def make_organization(endpoint: str, members: int, regions: list[str]) -> list[str]:
    org = boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = []
    started = time.perf_counter()
    for number in range(members):
        created = org.create_account(Email=f"member{number}@example.com", AccountName=f"member-{number}")
        ids.append(created["CreateAccountStatus"]["AccountId"])
    for account_id in ids:
        seed_account(endpoint, regions, session=assumed(endpoint, account_id))
    print(f"seeded {members} accounts x {len(regions)} regions in {time.perf_counter() - started:.0f} s")
    return ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (/proc/<pid>/stat), 0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def where_the_time_went(records: list[RequestRecord], launched: float, wall: float) -> str:
    """Start-up before the first request, the request window with its requests per second, the tail."""
    if not records:
        return "  (no requests recorded)"
    first = min(r.started for r in records) - launched
    last = max(r.finished for r in records) - launched
    per_bucket = Counter(int((r.finished - launched) // BUCKET_SECONDS) for r in records)
    rates = " ".join(f"{per_bucket.get(b, 0) / BUCKET_SECONDS:.0f}" for b in range(int(last // BUCKET_SECONDS) + 1))
    return (
        f"  start-up before the first request {first:.1f} s, requests {first:.1f}-{last:.1f} s, after the last "
        f"answer {wall - last:.1f} s; answers per second, each {BUCKET_SECONDS:.0f} s: {rates}"
    )


def run_audit(
    url: str, regions: list[str], env: dict[str, str], output: Path, many: bool
) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in MB, exit code, CPU seconds) of one audit subprocess."""
    command = [sys.executable, "-m", "wizard", "audit", "--endpoint-url", url, "--regions", ",".join(regions)]
    command += ["--organization"] if many else []
    command += ["--format", "json", "--output", str(output)]
    rss = output.with_suffix(".rss")
    if TIME.exists():
        command = [str(TIME), "-f", "%M %U %S", "-o", str(rss), *command]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    measured = rss.read_text().split()[-3:] if rss.exists() else ["0", "0", "0"]
    peak, cpu = int(measured[0]) // 1024, float(measured[1]) + float(measured[2])
    if proc.returncode not in (0, 3):
        raise SystemExit(proc.stderr)
    return wall, peak, proc.returncode, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20, help="member accounts")
    parser.add_argument("--delay-ms", type=float, default=100.0, help="latency added to every request")
    parser.add_argument("--stock-moto", action="store_true", help="moto as it ships (see benchmarks.moto_server)")
    args = parser.parse_args(argv)
    regions = list(DEFAULT_REGIONS)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server, endpoint = start_moto(args.stock_moto)
    try:
        members = make_organization(endpoint, args.accounts, regions)
        with tempfile.TemporaryDirectory() as data, FaultProxy(upstream=endpoint) as proxy:
            os.chmod(data, 0o700)
            by_key: Counter[str] = Counter()

            def count(request: ProxyRequest, forward):
                by_key[request.access_key] += 1
                return forward()

            proxy.add_handler("*", count)
            if args.delay_ms:
                proxy.add_rule("*", delay(args.delay_ms / 1000))
            env = {**os.environ, "XDG_DATA_HOME": data, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
            env.pop("MOTO_ACCOUNT_ID", None)
            single_env = {**env, **_credentials_env(assumed(endpoint, members[0]))}
            proxy.reset_counts()
            wall, peak, _, cpu = run_audit(proxy.url, regions, single_env, Path(data) / "one.json", many=False)
            single = proxy.total
            print(f"one member account alone: {wall:.1f} s, {single} requests, peak RSS {peak} MB, CPU {cpu:.1f} s")
            proxy.reset_counts()
            by_key.clear()
            moto_before, proxy_before = cpu_seconds(server.pid), time.process_time()
            launched = time.monotonic()
            wall, peak, code, cpu = run_audit(proxy.url, regions, env, Path(data) / "org.json", many=True)
            moto_cpu, proxy_cpu = cpu_seconds(server.pid) - moto_before, time.process_time() - proxy_before
            report = json.loads((Path(data) / "org.json").read_text())
            audited = [a for a in report["accounts"] if a["status"] == "audited"]
            member_requests = sorted(n for key, n in by_key.items() if key.startswith("ASIA"))
            print(
                f"--organization: {len(report['accounts'])} accounts ({len(audited)} audited) x {len(regions)} regions"
                f" at +{args.delay_ms:.0f} ms: {wall:.1f} s, {proxy.total} requests, peak RSS {peak} MB, exit {code}"
            )
            print(f"CPU: the audit {cpu:.1f} s, moto {moto_cpu:.1f} s, the proxy {proxy_cpu:.1f} s (2 cores shared)")
            print(where_the_time_went([r for r in proxy.records if r.started >= launched], launched, wall))
            if member_requests:
                print(
                    f"requests per member account: {member_requests[0]}-{member_requests[-1]} "
                    f"(a single-account audit: {single})"
                )
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a moto holding 21 accounts can take longer to let go: stop it
            server.kill()
            server.wait()


def _credentials_env(session: boto3.Session) -> dict[str, str]:
    credentials = session.get_credentials().get_frozen_credentials()
    return {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token or "",
    }


if __name__ == "__main__":
    main()
