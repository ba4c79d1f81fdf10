"""Shared by the checklist, waiver and session tests: the account's log/progress/waivers, a terminal driven
through questionary's input, and the console's effect on root's MFA as moto can show it."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from terminal.checklist import ChecklistContext, PlainChecklist, Prompts
from wizard.audit_log.writer import AuditLog
from wizard.aws.context import AwsContext
from wizard.sandbox.root_account import RootAccountState, seed_root_account
from wizard.state.progress import SessionProgress
from wizard.state.waivers import WaiverBook

ROOT_VIRTUAL_MFA = "arn:aws:iam::{account}:mfa/root-account-mfa-device"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")

# Keys typed at the prompts (questionary: numbered choices, text with a default, y/n).
PICK_1, PICK_2, PICK_3, PICK_4 = "1\r", "2\r", "3\r", "4\r"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: drop the default a text prompt offers
YES, NO = "y", "n"
CTRL_C = "\x03"


def plain(text: str) -> str:
    """Terminal output without colour and cursor codes."""
    return _ANSI.sub("", text).replace("\r", "")


@dataclass
class AccountFiles:
    """One account's log and the state beside it, opened as a wizard would open them."""

    ctx: AwsContext
    regions: list[str]
    log_path: Path

    def open_log(self) -> AuditLog:
        identity = self.ctx.identity()
        return AuditLog.open(identity.account_id, identity.arn, self.log_path, notice=lambda _: None)

    def progress(self) -> SessionProgress:
        return SessionProgress.load(self.ctx.identity().account_id, self.log_path)

    def book(self) -> WaiverBook:
        return WaiverBook.load(self.ctx.identity().account_id, self.log_path)

    def context(self, log: AuditLog, **answers: str) -> ChecklistContext:
        return ChecklistContext(self.ctx, self.regions, log, self.progress(), self.book(), **answers)


@dataclass
class Terminal:
    """A walk's keyboard (a pipe questionary reads) and screen (what rich printed)."""

    prompts: Prompts
    console: Console
    screen: io.StringIO

    @property
    def text(self) -> str:
        return plain(self.screen.getvalue())


@contextmanager
def terminal(keys: str) -> Iterator[Terminal]:
    """A terminal with `keys` already typed: questionary reads them prompt after prompt."""
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        screen = io.StringIO()
        yield Terminal(Prompts(pipe, DummyOutput()), Console(file=screen, width=120), screen)


def walk(files: AccountFiles, control_id: str, keys: str, **options: object) -> tuple[int, str]:
    """Walk a checklist in the plain terminal, typing `keys`; (exit code, what the screen showed)."""
    answers = {k: str(v) for k, v in options.items() if k in ("driver", "attestation_name")}
    flags = {k: v for k, v in options.items() if k not in answers}
    with files.open_log() as log, terminal(keys) as term, log.session({"command": "checklist", "control": control_id}):
        checklist = PlainChecklist(control_id, files.context(log, **answers), term.prompts, term.console, **flags)  # type: ignore[arg-type]
        code = checklist.walk()
        return code, term.text


def console_replaces_root_virtual_mfa(account_id: str, iam_client: object, root: RootAccountState) -> None:
    """What the console does when root, signed in, assigns a hardware MFA device and removes the virtual one:
    the virtual device is deactivated (moto's DeactivateMFADevice wants an IAM user, so on its object) and
    deleted (through the API); `root` is root as it now is, with MFA on (AccountMFAEnabled = 1, which moto
    pins on its backend: seeded as the sandbox does)."""
    from moto.iam.models import iam_backends

    serial = ROOT_VIRTUAL_MFA.format(account=account_id)
    device = iam_backends[account_id]["aws"].virtual_mfa_devices[serial]
    device.enable_date = None
    device.user = None
    iam_client.delete_virtual_mfa_device(SerialNumber=serial)  # type: ignore[attr-defined]
    seed_root_account(account_id, root)


class LiveWalk:
    """A walk running in a thread, for flows where the account changes half-way (a person in the console):
    type some keys, wait until the screen shows a step, change the account, type the rest."""

    def __init__(self, files: AccountFiles, control_id: str, **answers: str) -> None:
        self._pipe_context = create_pipe_input()
        self.pipe = self._pipe_context.__enter__()
        self.screen = io.StringIO()
        self.log = files.open_log()
        self.checklist = PlainChecklist(
            control_id,
            files.context(self.log, **answers),
            Prompts(self.pipe, DummyOutput()),
            Console(file=self.screen, width=120),
        )
        self.code: int | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self.log.session({"command": "checklist", "control": self.checklist.control_id}):
                self.code = self.checklist.walk()
        except BaseException as error:  # handed to the test thread by `finish`
            self.error = error

    @property
    def text(self) -> str:
        return plain(self.screen.getvalue())

    def type(self, keys: str) -> None:
        self.pipe.send_text(keys)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"never showed {text!r}; the screen:\n{self.text}")
            time.sleep(0.02)

    def finish(self, timeout: float = 120.0) -> int:
        self._thread.join(timeout)
        try:
            if self._thread.is_alive():
                raise AssertionError(f"the walk did not end; the screen:\n{self.text}")
            if self.error is not None:
                raise self.error
            assert self.code is not None
            return self.code
        finally:
            self.log.close()
            self._pipe_context.__exit__(None, None, None)
