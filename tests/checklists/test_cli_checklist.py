"""`cis-wizard checklist` in a plain terminal: questionary driven through its input (a pipe in-process, a pty
for the real command), resuming where the last run stopped, waivers, Ctrl-C, and no terminal at all."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from terminal.checklist import PlainChecklist
from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.checklists import (
    CLEAR_LINE,
    CTRL_C,
    ENTER,
    PICK_1,
    PICK_2,
    PICK_4,
    YES,
    AccountFiles,
    LiveWalk,
    console_replaces_root_virtual_mfa,
    plain,
    terminal,
    walk,
)
from tests.support.cli import run_cli
from tests.support.imports import UI_LIBRARIES, modules_loaded_by
from tests.support.keyrings import NO_KEYRING_ENV
from tests.support.networking import peered_route
from wizard.audit_log.reader import read_log
from wizard.audit_log.records import Kind
from wizard.sandbox.backend_history import RootMfaHistory, assign_root_virtual_mfa
from wizard.sandbox.root_account import RootAccountState
from wizard.state.waivers import default_expiry, utc_today

NOW = datetime.now(UTC)


def records(files: AccountFiles, kind: str, control: str) -> list[dict]:  # type: ignore[type-arg]
    return [r.payload for r in read_log(files.log_path).records if r.kind == kind and r.control == control]


def root_with_virtual_mfa(seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    iam = boto3.client("iam", region_name=HOME)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"][
        "SerialNumber"
    ]
    assign_root_virtual_mfa(ACCOUNT_ID, RootMfaHistory(serial, NOW - timedelta(days=30), NOW - timedelta(days=400)))


# -- in-process, questionary reading a pipe ---------------------------------------------------------------------
def test_1_15_walked_and_attested_in_the_terminal(files) -> None:  # type: ignore[no-untyped-def]
    keys = PICK_1 * 4 + ENTER + ENTER + YES  # four steps done; the offered name and statement; confirm
    code, screen = walk(files, "1.15", keys, attestation_name="Dana Smith", driver="Dana (platform)")
    assert code == 0
    for text in (
        "1.15 Ensure security questions are registered",
        "Step 1 of 4: Sign in as root",
        "Open: https://console.aws.amazon.com/billing/home#/account",
        "Warning: Treat the answers as secrets",
        "MANUAL",
        "1.15 complete. Attested by Dana Smith",
    ):
        assert text in screen, text
    [attestation] = records(files, Kind.ATTESTATION, "1.15")
    assert attestation["by"] == "Dana Smith"
    assert attestation["statement"].startswith("Security challenge questions are registered")
    assert attestation["steps_done"] == ["sign-in-root", "open-account", "set-questions", "store-answers"]
    assert files.progress().attestation("1.15") is not None


def test_declining_to_attest_records_nothing_and_stops_unresolved(files) -> None:  # type: ignore[no-untyped-def]
    keys = PICK_1 * 4 + CLEAR_LINE + "Dana Smith" + ENTER + ENTER + "n" + PICK_4
    code, screen = walk(files, "1.15", keys)
    assert code == 3
    assert "Not recorded." in screen and "Stopped: 4 of 4 steps done" in screen
    assert records(files, Kind.ATTESTATION, "1.15") == []


def test_stopping_half_way_keeps_the_steps_and_the_next_run_resumes(files, seed_root) -> None:  # type: ignore[no-untyped-def]
    root_with_virtual_mfa(seed_root)
    code, screen = walk(files, "1.14", PICK_1 * 2 + PICK_2 + PICK_4)  # two steps, verify now, stop
    assert code == 3
    assert "Step 3 of 6: Assign the hardware device" in screen
    assert screen.count("FAIL") == 2  # at the start, and "verify now"
    assert "Stopped: 2 of 6 steps done, kept for the next run" in screen
    code, screen = walk(files, "1.14", PICK_4)
    assert code == 3
    assert "Resuming: 2 of 6 steps were done before" in screen
    assert "Step 1 of 6" not in screen and "Step 3 of 6: Assign the hardware device" in screen


def test_1_14_from_fail_to_pass_with_the_console_change_half_way(files, seed_root) -> None:  # type: ignore[no-untyped-def]
    root_with_virtual_mfa(seed_root)
    live = LiveWalk(files, "1.14")
    live.type(PICK_1 * 4)
    live.wait_for("Step 5 of 6: Remove root's virtual MFA device")
    assert "Warning: Register the hardware device before you remove the virtual one" in live.text
    console_replaces_root_virtual_mfa(
        ACCOUNT_ID, boto3.client("iam", region_name=HOME), RootAccountState(mfa_enabled=True)
    )
    live.type(PICK_1 * 2)
    assert live.finish() == 0
    assert "All steps are done. Checking 1.14" in live.text
    assert "1.14 complete. Check 1.14 is PASS: Root uses a hardware MFA device." in live.text
    [completed] = [p for p in records(files, Kind.CHECKLIST, "1.14") if p.get("action") == "completed"]
    assert completed["by"] == "check" and len(completed["steps_done"]) == 6


def test_waive_4_4_in_the_terminal_rejecting_a_bad_expiry_first(files) -> None:  # type: ignore[no-untyped-def]
    table, _ = peered_route("10.2.0.0/16")
    expiry = (utc_today() + dt.timedelta(days=60)).isoformat()
    keys = (
        "Shared-services peering, narrowed in the Q3 network change"
        + ENTER
        + ENTER  # owner: the driver, offered
        + CLEAR_LINE
        + "2020-01-01"
        + ENTER  # refused: in the past; the prompt stays
        + CLEAR_LINE
        + expiry
        + ENTER
        + YES
    )
    code, screen = walk(files, "4.4", keys, waive=True, driver="net-team")
    assert code == 0
    assert f"{table}:10.2.0.0/16" in screen  # the route, shown before the waiver
    assert f"4.4 waived until {expiry} (owner net-team)" in screen
    waiver = files.book().get("4.4")
    assert waiver is not None and waiver.expires.isoformat() == expiry and waiver.owner == "net-team"
    [granted] = records(files, Kind.WAIVER, "4.4")
    assert granted["action"] == "granted" and granted["reason"].startswith("Shared-services peering")


def test_waive_a_control_without_checklist_and_refuse_a_passing_one(files) -> None:  # type: ignore[no-untyped-def]
    ec2 = boto3.client("ec2", region_name=HOME)
    group = ec2.create_security_group(GroupName="bastion", Description="ssh")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    code, screen = walk(files, "4.1", "legacy bastion" + ENTER + "ops" + ENTER + ENTER + YES, waive=True)
    assert code == 0
    assert files.book().get("4.1").expires == default_expiry(utc_today())  # type: ignore[union-attr]
    code, screen = walk(files, "4.2", "", waive=True)
    assert code == 0 and "4.2 is PASS: there is nothing to waive." in screen
    assert files.book().get("4.2") is None


def test_a_lapsed_waiver_is_recorded_as_expired_when_a_checklist_opens(files) -> None:  # type: ignore[no-untyped-def]
    long_ago = utc_today() - dt.timedelta(days=200)
    with files.open_log() as log:
        files.book().grant(log, "4.4", reason="r", owner="o", expires=long_ago + dt.timedelta(days=30), today=long_ago)
    code, screen = walk(files, "1.15", PICK_4)
    assert code == 3
    assert "The waiver of 4.4 expired on" in screen
    assert [p["action"] for p in records(files, Kind.WAIVER, "4.4")] == ["granted", "expired"]


def test_ctrl_c_says_what_was_recorded(files) -> None:  # type: ignore[no-untyped-def]
    with files.open_log() as log, terminal(CTRL_C) as term:
        checklist = PlainChecklist("1.15", files.context(log), term.prompts, term.console)
        with pytest.raises(KeyboardInterrupt):
            checklist.walk()
        assert checklist.cancelled_message() == "Cancelled. No changes were made."
    with files.open_log() as log, terminal(PICK_1 + CTRL_C) as term:
        checklist = PlainChecklist("1.15", files.context(log), term.prompts, term.console)
        with pytest.raises(KeyboardInterrupt):
            checklist.walk()
        assert checklist.cancelled_message() == (
            "Cancelled. Recorded before that: step 1 (Sign in as root) marked done. No AWS change was made."
        )
    assert list(files.progress().steps_done("1.15")) == ["sign-in-root"]


# -- the real command ----------------------------------------------------------------------------------------------
class PtyProcess:
    """`python -m wizard ...` with a pseudo-terminal as its keyboard and screen."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 140, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wizard", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.output = b""

    @property
    def text(self) -> str:
        return plain(self.output.decode(errors="replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def expect(self, text: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"never showed {text!r}; the terminal:\n{self.text}")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 90.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.05) and self.output:
            pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise AssertionError(f"still running; the terminal:\n{self.text}")
        os.close(self.master)
        return self.proc.returncode


@pytest.fixture
def terminal_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        **NO_KEYRING_ENV,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }


@pytest.fixture
def cli_log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "logs" / "session.jsonl"


def test_the_command_in_a_real_terminal_attests_1_15_with_the_session_config(  # type: ignore[no-untyped-def]
    endpoint, terminal_env, cli_log, tmp_path
) -> None:
    config = tmp_path / "session.toml"
    config.write_text('driver = "Dana Smith (platform team)"\nattestation_name = "Dana Smith"\n')
    args = ["checklist", "1.15", "--endpoint-url", endpoint, "--log", str(cli_log), "--config", str(config)]
    term = PtyProcess(args, terminal_env)
    for number in range(1, 5):
        term.expect(f"Step {number} of 4:")
        term.expect("Done: next step")
        term.send(PICK_1)
    term.expect("Your full name")
    term.send(ENTER)
    term.expect("Statement:")
    term.send(ENTER)
    term.expect("Record this attestation by Dana Smith")
    term.send(YES)
    assert term.wait() == 0, term.text
    assert "1.15 complete. Attested by Dana Smith" in term.text
    log = read_log(cli_log).records
    start = next(r for r in log if r.kind == Kind.SESSION_START)
    assert start.payload["command"] == "checklist" and start.payload["driver"] == "Dana Smith (platform team)"
    [attestation] = [r for r in log if r.kind == Kind.ATTESTATION]
    assert attestation.payload["by"] == "Dana Smith" and attestation.caller.startswith("arn:aws:")
    assert log[-1].kind == Kind.SESSION_END and log[-1].payload["status"] == "ok"
    exported = run_cli("log", "export", "--log", str(cli_log), "--format", "md")
    assert exported.returncode == 0, exported.stderr
    assert "attested by Dana Smith" in exported.stdout


def test_ctrl_c_in_a_real_terminal(endpoint, terminal_env, cli_log) -> None:  # type: ignore[no-untyped-def]
    term = PtyProcess(["checklist", "1.15", "--endpoint-url", endpoint, "--log", str(cli_log)], terminal_env)
    term.expect("Done: next step")
    term.send(CTRL_C)
    assert term.wait() == 130
    assert term.text.strip().splitlines()[-1] == "Cancelled. No changes were made."
    assert read_log(cli_log).records[-1].payload["status"] == "interrupted"


def test_without_a_terminal_it_exits_2_with_one_line(endpoint: str, cli_log: Path) -> None:
    proc = run_cli("checklist", "1.14", "--endpoint-url", endpoint, "--log", str(cli_log))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "cis-wizard: `cis-wizard checklist` asks questions: run it in a terminal "
        "(standard input and output must be a TTY)."
    ]
    assert not cli_log.exists()


def test_a_control_without_checklist_needs_waive(endpoint: str) -> None:
    proc = run_cli("checklist", "2.1", "--endpoint-url", endpoint)
    assert proc.returncode == 2
    assert "2.1 has no guided checklist" in proc.stderr and "`cis-wizard apply --controls 2.1`" in proc.stderr
    assert "add --waive" in proc.stderr
    assert run_cli("checklist", "7.7").returncode == 2


def test_importing_the_command_stays_headless() -> None:
    statements = "import wizard.cli, terminal.checklist, wizard.state.waivers, wizard.state.progress"
    assert modules_loaded_by(statements, (*UI_LIBRARIES, "actions", "screens")) == []
