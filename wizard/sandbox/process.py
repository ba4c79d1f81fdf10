"""The sandbox in its own process, for the demo: `start_sandbox_process()` returns at once.

The demo's audit and the sandbox's moto would share one interpreter lock if they shared a process; apart,
each has a core. The parent binds the listening socket itself and hands it to the child, so the endpoint
is known before the child has imported anything: the wizard connects and audits at once, its first
requests waiting in the socket's queue until the child serves. The child restores the account from a
snapshot in the user's cache (`snapshot`), or seeds it the first time, and says "ready" on stdout. It ends
when the parent closes its stdin (or dies), and with `stop()`.

    python -m wizard.sandbox.process --fd N --state fresh --regions r1,r2   (the child; started by the parent)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from wizard.sandbox.account import (
    DEFAULT_REGIONS,
    SANDBOX_ACCOUNT_ID,
    RegionLayout,
    SandboxEndpoint,
    SandboxError,
    SandboxState,
)

if TYPE_CHECKING:
    pass

READY = "ready"
_serving = threading.Event()  # in the child: set once the account is whole (from then on it stops in order)


class SandboxProcess(SandboxEndpoint):
    """A sandbox account served by a child process on 127.0.0.1 (the same interface as `server.Sandbox`)."""

    def __init__(self, state: SandboxState, regions: list[str] | None = None, snapshots: Path | None = None) -> None:
        self.state = state
        self.account_id = SANDBOX_ACCOUNT_ID
        self.layout = RegionLayout.of(regions or list(DEFAULT_REGIONS))
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=128)
        host, port = self._socket.getsockname()[:2]
        self.endpoint_url = f"http://{host}:{port}"
        self._ready = threading.Event()
        self.said: list[str] = []  # what the child said on stdout (its "ready" line, how it got the account)
        self.error = ""
        command = [sys.executable, "-m", "wizard.sandbox.process", "--fd", str(self._socket.fileno())]
        command += ["--state", state, "--regions", ",".join(self.layout.regions)]
        if snapshots is not None:
            command += ["--snapshots", str(snapshots)]
        self._child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(self._socket.fileno(),),
            text=True,
        )
        # The child has its own copy now: with the parent's closed, a child that died refuses connections
        # (an error at once) instead of leaving them queued until a timeout.
        self._socket.close()
        threading.Thread(target=self._listen, args=(self._child.stdout,), daemon=True).start()
        threading.Thread(target=self._errors, args=(self._child.stderr,), daemon=True).start()

    def _listen(self, stdout: IO[str] | None) -> None:
        for line in stdout or ():
            self.said.append(line.strip())
            if line.startswith(READY):
                self._ready.set()
        self._ready.set()  # the child ended: `wait_ready` says how

    def _errors(self, stderr: IO[str] | None) -> None:
        self.error = (stderr.read() if stderr else "").strip()

    @property
    def running(self) -> bool:
        return self._child.poll() is None

    def wait_ready(self, timeout: float = 120) -> None:
        """Block until the account is seeded or restored; SandboxError if the child failed."""
        if not self._ready.wait(timeout) or not self.running:
            last = self.error.splitlines()[-1] if self.error else f"exit code {self._child.poll()}"
            raise SandboxError(f"The sandbox did not start: {last}")

    def stop(self) -> None:
        """End the child (it stops when its stdin closes) and close the socket. Stopping twice is harmless."""
        if self._child.stdin and not self._child.stdin.closed:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def default_snapshots() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("cis-wizard", appauthor=False)) / "sandbox"


def demo_log_path(now: datetime | None = None) -> Path:
    """A new audit log for one run of the demo, beside the accounts' logs: `demo/<UTC time>-<pid>/<account>.jsonl`
    (its waivers and progress files go beside it, so each run has its own)."""
    from wizard.audit_log.paths import default_log_dir

    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return default_log_dir() / "demo" / f"{moment}-{os.getpid()}" / f"{SANDBOX_ACCOUNT_ID}.jsonl"


_started_early: list[SandboxProcess] = []  # the demo's sandbox, started before the wizard was imported


def start_early() -> None:
    """Start the demo's sandbox now, before the command line and the app are imported (a tenth of a second
    of the sandbox's start-up, which is what the demo waits for); `start_sandbox_process` hands it over. A
    command that turns out not to want it ends without it: the child ends when this process does."""
    if not _started_early:
        _started_early.append(SandboxProcess("fresh", None, default_snapshots()))


def start_sandbox_process(state: SandboxState = "fresh", regions: list[str] | None = None) -> SandboxProcess:
    """The demo's sandbox: a child process, restored from (or keeping) a snapshot in the user's cache (the one
    `start_early` started, when it fits)."""
    if _started_early and state == "fresh" and regions is None:
        return _started_early.pop()
    return SandboxProcess(state, regions, default_snapshots())


def _one_model_loader() -> None:
    """In this process (the sandbox's own), every botocore session loads models through moto's one loader.

    moto makes several sessions of its own (to list regions, to parse requests), and each would parse
    EC2's 2 MB model and the endpoints file again: five times each, a second or more of the start-up. The
    sessions share the loader moto parses requests with (`moto_models`: botocore's models plus moto's
    extras), so each model is parsed once in the process, not once for moto and once for its sessions."""
    import botocore.session

    def shared(session: botocore.session.Session) -> None:
        from wizard.sandbox.moto_models import shared_moto_loader  # moto's environment is set by then

        session._components.register_component("data_loader", shared_moto_loader())

    botocore.session.Session._register_data_loader = shared


def _serve(args: argparse.Namespace) -> int:
    from wizard.garbage import collect_garbage_less_often
    from wizard.sandbox.server import start_sandbox

    collect_garbage_less_often()  # the process holds the whole account
    _one_model_loader()
    bound = socket.socket(fileno=args.fd)
    regions = [r for r in args.regions.split(",") if r]
    snapshots = Path(args.snapshots) if args.snapshots else None
    parent_gone = _watch_parent()
    # Seeded or restored behind a private port: the demo's socket is served only once the account is whole.
    sandbox = start_sandbox(args.state, regions=regions, snapshots=snapshots)
    _serving.set()
    try:
        sandbox.serve_also(bound)
        how = f"restored from {sandbox.restored_from}" if sandbox.restored_from else "seeded"
        print(f"{READY} {how} in {sandbox.seed_seconds:.2f} s", flush=True)
        parent_gone.wait()
    finally:
        sandbox.stop()
    return 0


def _watch_parent() -> threading.Event:
    """An event set when the parent closes this process's stdin (or dies). A parent gone before the account
    is whole (`cis-wizard demo --help`, a bad flag) ends this process at once, not after the restore."""
    gone = threading.Event()

    def watch() -> None:
        sys.stdin.read()
        gone.set()
        if not _serving.is_set():
            os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
    return gone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wizard.sandbox.process")
    parser.add_argument("--fd", type=int, required=True, help="a listening socket inherited from the parent")
    parser.add_argument("--state", choices=("fresh", "hardened"), default="fresh")
    parser.add_argument("--regions", default=",".join(DEFAULT_REGIONS))
    parser.add_argument("--snapshots", default="", help="the folder of snapshots (none: always seed)")
    args = parser.parse_args(argv)
    try:
        return _serve(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
