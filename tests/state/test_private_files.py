"""The log, its key and anchor, and the state beside them cannot be redirected or trusted when others can
touch them: a symbolic link planted at any of their paths (or at the old fixed temporary names) is never
followed, and a file or folder that is another user's, or open to group or others, is refused with one line
(exit 2) that says how to fix it."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER
from tests.support.cli import run_cli
from tests.support.session_state import open_log
from wizard.audit_log.paths import default_log_dir, head_file_path, key_file_path
from wizard.audit_log.records import Kind
from wizard.audit_log.verify import verify_log
from wizard.audit_log.writer import AuditLog
from wizard.state.files import UnsafeFileError
from wizard.state.progress import SessionProgress, progress_path
from wizard.state.waivers import WaiverBook, waivers_path

PRECIOUS = b"someone else's file\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """What a planted link points at: it must keep its bytes and its mode."""
    path = tmp_path / "victim"
    path.write_bytes(PRECIOUS)
    path.chmod(0o644)
    return path


def untouched(victim: Path) -> bool:
    return victim.read_bytes() == PRECIOUS and stat.S_IMODE(victim.stat().st_mode) == 0o644


def use_every_file(log_path: Path) -> None:
    """Append to the log (and its anchor), grant a waiver, mark a checklist step."""
    with open_log(log_path) as log:
        log.record(Kind.CHECKLIST, {"action": "step-done", "step": "get-device"}, control_id="1.14")
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log, "4.4", reason="peering reviewed", owner="net", expires=dt.date.today() + dt.timedelta(days=30)
        )
    SessionProgress.load(ACCOUNT_ID, log_path).visit("1.14")


def test_links_at_the_old_fixed_temporary_names_are_not_followed(log_path: Path, victim: Path) -> None:
    use_every_file(log_path)  # the files exist, so every write below replaces one
    planted = [
        head_file_path(log_path).with_name(head_file_path(log_path).name + ".tmp"),
        waivers_path(ACCOUNT_ID, log_path).with_name(waivers_path(ACCOUNT_ID, log_path).name + ".tmp"),
        progress_path(ACCOUNT_ID, log_path).with_name(progress_path(ACCOUNT_ID, log_path).name + ".tmp"),
    ]
    for link in planted:
        link.symlink_to(victim)
    use_every_file(log_path)
    assert untouched(victim)
    assert all(link.is_symlink() for link in planted)  # left where they were, pointing where they did
    assert not [p for p in log_path.parent.iterdir() if p.name.endswith(".tmp") and p not in planted]
    for path in (head_file_path(log_path), waivers_path(ACCOUNT_ID, log_path), progress_path(ACCOUNT_ID, log_path)):
        assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert verify_log(log_path).intact


def _waivers_lock(log_path: Path) -> Path:
    return waivers_path(ACCOUNT_ID, log_path).with_name(waivers_path(ACCOUNT_ID, log_path).name + ".lock")


LINKED: dict[str, Callable[[Path], Path]] = {
    "log": lambda log_path: log_path,
    "key": key_file_path,
    "head": head_file_path,
    "waivers": lambda log_path: waivers_path(ACCOUNT_ID, log_path),
    "waivers-lock": _waivers_lock,
    "progress": lambda log_path: progress_path(ACCOUNT_ID, log_path),
}


@pytest.mark.parametrize("name", list(LINKED))
def test_a_link_at_a_log_key_or_state_path_is_refused_and_not_followed(log_path: Path, victim: Path, name: str) -> None:
    use_every_file(log_path)
    target = LINKED[name](log_path)
    target.unlink()
    target.symlink_to(victim)
    with pytest.raises(UnsafeFileError, match=f"{target} is a symbolic link") as refused:
        use_every_file(log_path)
    assert f"`rm {target}`" in str(refused.value) and "\n" not in str(refused.value)
    assert untouched(victim) and target.is_symlink()


def test_a_log_that_is_a_link_is_refused_by_the_command_line(log_path: Path, victim: Path, tmp_path: Path) -> None:
    link = tmp_path / "logs" / "link.jsonl"
    use_every_file(log_path)
    link.symlink_to(log_path)
    for command in (("log", "verify"), ("log", "show")):
        proc = run_cli(*command, "--log", str(link))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr.splitlines() == [
            f"cis-wizard: The audit log {link} is a symbolic link, which could "
            f"redirect the wizard: remove it (`rm {link}`), or name the real file."
        ]


def test_a_world_readable_key_file_is_refused_with_the_chmod_that_fixes_it(log_path: Path) -> None:
    use_every_file(log_path)
    key = key_file_path(log_path)
    key.chmod(0o644)
    proc = run_cli("log", "verify", "--log", str(log_path))
    assert proc.returncode == 2 and proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert f"The audit-log key file {key} can be read or changed by other users (mode 644)" in line
    assert line.endswith(f"run `chmod 600 {key}`.")
    with pytest.raises(UnsafeFileError, match="chmod 600"):
        open_log(log_path)
    key.chmod(0o600)
    assert run_cli("log", "verify", "--log", str(log_path)).returncode == 0


@pytest.mark.parametrize("command", [("log", "verify"), ("log", "show"), ("log", "export")])
def test_a_world_writable_log_is_refused_with_the_chmod_that_fixes_it(log_path: Path, command: tuple[str, ...]) -> None:
    use_every_file(log_path)
    log_path.chmod(0o666)
    proc = run_cli(*command, "--log", str(log_path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"cis-wizard: The audit log {log_path} can be read or changed by other users (mode 666): "
        f"run `chmod 600 {log_path}`."
    ]
    with pytest.raises(UnsafeFileError, match=f"chmod 600 {log_path}"):
        open_log(log_path)


@pytest.mark.parametrize("name", ["head", "waivers", "progress"])
def test_state_files_open_to_others_are_refused(log_path: Path, name: str) -> None:
    use_every_file(log_path)
    path = LINKED[name](log_path)
    path.chmod(0o640)
    with pytest.raises(UnsafeFileError, match=rf"mode 640\): run `chmod 600 {path}`"):
        use_every_file(log_path)


def test_a_folder_open_to_others_is_refused_and_ours_are_made_private(log_path: Path, tmp_path: Path) -> None:
    deep = tmp_path / "new" / "deeper" / f"{ACCOUNT_ID}.jsonl"
    use_every_file(deep)
    assert stat.S_IMODE(deep.parent.stat().st_mode) == 0o700
    with AuditLog.open(ACCOUNT_ID, CALLER, notice=lambda _: None):  # the default data dir
        pass
    assert stat.S_IMODE(default_log_dir().stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(UnsafeFileError, match=rf"folder {shared} .*\(mode 755\): run `chmod 700 {shared}`"):
        open_log(shared / f"{ACCOUNT_ID}.jsonl")
    assert list(shared.iterdir()) == []
    deep.parent.chmod(0o770)
    proc = run_cli("log", "verify", "--log", str(deep))
    assert proc.returncode == 2 and f"run `chmod 700 {deep.parent}`" in proc.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="handing a file to another user needs root")
def test_another_users_key_or_folder_is_refused(log_path: Path) -> None:
    use_every_file(log_path)
    key = key_file_path(log_path)
    os.chown(key, 4242, -1)
    with pytest.raises(UnsafeFileError, match=f"key file {key} belongs to uid 4242, not you"):
        open_log(log_path)
    os.chown(key, 0, -1)
    os.chown(log_path.parent, 4242, -1)
    with pytest.raises(UnsafeFileError, match=f"folder {log_path.parent} belongs to uid 4242"):
        open_log(log_path)
