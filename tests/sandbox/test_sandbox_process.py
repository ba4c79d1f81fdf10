"""The demo's sandbox: its own process, snapshots instead of reseeding, the account contact API, a log per
demo run; and the evidence behind every verdict that reads the credential report (1.1's root row too)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.cli import run_cli
from wizard.audit.findings import Status
from wizard.audit.run import run_audit
from wizard.aws.context import AwsContext, AwsSettings
from wizard.catalog import load_catalog
from wizard.checks import CHECKS
from wizard.sandbox import start_sandbox
from wizard.sandbox.process import SandboxProcess, demo_log_path

REGIONS = ["us-east-1", "eu-west-1"]
CONTROLS = list(load_catalog())


def context(sandbox: Any) -> AwsContext:
    settings = AwsSettings(region=sandbox.home_region, regions=",".join(REGIONS), endpoint_url=sandbox.endpoint_url)
    return AwsContext(settings, session=sandbox.session())


@pytest.fixture(scope="module")
def child(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A fresh sandbox in its own process, seeded once, then restored from its snapshot by a second one."""
    snapshots = tmp_path_factory.mktemp("snapshots")
    with SandboxProcess("fresh", REGIONS, snapshots) as seeded:
        seeded.wait_ready()
        assert "seeded" in " ".join(seeded.said)
    with SandboxProcess("fresh", REGIONS, snapshots) as restored:
        restored.wait_ready()
        yield restored


def test_a_restored_sandbox_says_so_and_audits_as_a_seeded_one(child: SandboxProcess) -> None:
    assert "restored from" in " ".join(child.said)
    audit = run_audit(context(child), CONTROLS, REGIONS)
    with start_sandbox("fresh", regions=REGIONS) as seeded:
        expected = run_audit(context(seeded), CONTROLS, REGIONS)
    assert {r.control.id: r.finding.status for r in audit.results} == {
        r.control.id: r.finding.status for r in expected.results
    }
    assert audit.finding("1.1").status is Status.FAIL  # root signed in 3 days ago, shifted to today


def test_the_sandbox_answers_the_account_contact_api(child: SandboxProcess) -> None:
    account = boto3.client("account", endpoint_url=child.endpoint_url, region_name="us-east-1", **_credentials(child))
    signed_up = account.get_contact_information()["ContactInformation"]
    assert signed_up["FullName"] and signed_up["CountryCode"] == "US"
    changed = {**signed_up, "PhoneNumber": "+1-555-0199", "City": "Portland"}
    account.put_contact_information(ContactInformation=changed)
    assert account.get_contact_information()["ContactInformation"]["City"] == "Portland"
    account.put_contact_information(ContactInformation=signed_up)


def _credentials(sandbox: Any) -> dict[str, str]:
    env = sandbox.env()
    return {"aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}


def test_every_credential_report_verdict_cites_its_rows_root_included(child: SandboxProcess) -> None:
    readers = [c for c in CONTROLS if "credential_report" in CHECKS[c.id].reads]
    assert {"1.1", "1.2", "1.3", "1.4", "1.21"} <= {c.id for c in readers}
    audit = run_audit(context(child), readers, REGIONS)
    for result in audit.results:
        finding = result.finding
        cited = next(e for e in finding.evidence if e.operation == "iam:GetCredentialReport")
        rows = cited.response["rows"]
        failing = [r for r in finding.resources if r.status is Status.FAIL]
        assert rows, f"{finding.control_id} cites no row of the report"
        for resource in failing:  # "bob:password", "ci-deploy:access_key_1", or root's ARN
            name = resource.id if resource.id.startswith("arn:") else resource.id.split(":")[0]
            assert any(name in (row.get("user"), row.get("arn")) for row in rows), (finding.control_id, resource.id)
    report = [e for e in audit.finding("1.1").evidence if e.operation == "iam:GetCredentialReport"]
    root_rows = report[0].response["rows"]
    assert [row["user"] for row in root_rows] == ["<root_account>"]


def test_audit_of_the_hardened_sandbox_exits_0(tmp_path: Path) -> None:
    with SandboxProcess("hardened", REGIONS, tmp_path / "snapshots") as hardened:
        hardened.wait_ready()
        done = run_cli(
            "audit", "--regions", ",".join(REGIONS), "--format", "json", "--log", str(tmp_path / "a.jsonl"),
            env=hardened.env(),
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_each_demo_run_has_a_log_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    first = demo_log_path(datetime(2026, 1, 1, tzinfo=UTC))
    second = demo_log_path(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=5))
    assert first != second and first.name == second.name == "123456789012.jsonl"
    assert first.parent.parent == second.parent.parent and str(tmp_path) in str(first)


def test_a_started_sandbox_has_its_credential_report_ready(tmp_path: Path) -> None:
    # (Seeded the first time, restored from its snapshot the second: both without a wait for the report.)
    for _ in range(2):
        with SandboxProcess("fresh", ["us-east-1"], tmp_path) as sandbox:
            sandbox.wait_ready()
            iam = boto3.client(
                "iam",
                endpoint_url=sandbox.endpoint_url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            assert iam.generate_credential_report()["State"] == "COMPLETE"
            assert b"<root_account>" in iam.get_credential_report()["Content"]


# -- `cis-wizard demo` starts the sandbox before the command line's imports (wizard.launch) ---------------------
def sandboxes_serving(snapshots: Path) -> list[str]:
    """The sandbox processes whose snapshots folder is `snapshots` (from /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if b"wizard.sandbox.process" in words and str(snapshots).encode() in words:
            found.append(cmdline.parent.name)
    return found


def test_the_early_sandbox_is_the_one_the_demo_takes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from wizard.sandbox import process

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    process.start_early()
    early = process._started_early[0]
    try:
        other = process.start_sandbox_process("fresh", REGIONS)  # not the demo's: a sandbox of its own
        other.stop()
        assert other is not early and process._started_early == [early]
        assert process.start_sandbox_process() is early and process._started_early == []
    finally:
        early.stop()


def test_a_demo_that_ends_at_once_leaves_no_sandbox_behind(tmp_path: Path) -> None:
    snapshots = tmp_path / "cis-wizard" / "sandbox"
    proc = run_cli("demo", "--no-such-flag", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    deadline = time.monotonic() + 10
    while sandboxes_serving(snapshots) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandboxes_serving(snapshots) == []
    assert not list(tmp_path.rglob("*.pickle"))  # it ended without seeding the account it was not asked for
