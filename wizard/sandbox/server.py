"""Start and stop the sandbox: moto's server on 127.0.0.1, in this process, seeded as a fresh or hardened account.

The server shares this process with whoever started it (the TUI's demo, a test, `cis-wizard sandbox`), so:
- moto's environment is set before moto is imported, and put back on stop;
- moto and werkzeug log nothing (werkzeug prints a line per request, and a traceback for operations moto
  lacks, which would garble a TUI);
- moto keeps its accounts in process-wide objects, so there is one sandbox per process at a time, and
  starting one resets whatever moto state the process had.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.sandbox.account import (
    SANDBOX_ACCOUNT_ID,
    SANDBOX_STATES,
    RegionLayout,
    SandboxEndpoint,
    SandboxError,
    SandboxState,
)

if TYPE_CHECKING:
    from wizard.sandbox.backend_history import SeedHistory

HOST = "127.0.0.1"
AMIS_FILE = Path(__file__).resolve().parent.parent / "data" / "sandbox_amis.json"
QUIET_LOGGERS = ("werkzeug", "moto")

_running_lock = threading.RLock()  # held while a sandbox starts; stop() may run inside that
_running: Sandbox | None = None  # the process's one sandbox, while it runs


def moto_environment() -> dict[str, str]:
    return {
        "MOTO_ACCOUNT_ID": SANDBOX_ACCOUNT_ID,
        # AWSSupportAccess (1.20) and the other AWS-managed policies exist only with this (~0.8 s to load).
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        # A short AMI list instead of moto's per-region lists (up to ~1,300 images each), which would make
        # bringing up EC2 in 17 regions take ~2 s instead of ~0.1 s.
        "MOTO_AMIS_PATH": str(AMIS_FILE),
    }


class ProcessSettings:
    """The environment variables and logger levels the sandbox sets for its lifetime, put back by `restore`."""

    def __init__(self) -> None:
        self._environment: dict[str, str | None] = {}
        self._loggers: dict[str, tuple[int, bool]] = {}

    def apply(self) -> None:
        for name, value in moto_environment().items():
            self._environment[name] = os.environ.get(name)
            os.environ[name] = value
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            self._loggers[name] = (logger.level, logger.propagate)
            logger.setLevel(logging.CRITICAL)
            logger.propagate = False

    def restore(self) -> None:
        for name, previous in self._environment.items():
            if previous is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = previous
        for name, (level, propagate) in self._loggers.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate = propagate
        self._environment.clear()
        self._loggers.clear()


@dataclass
class Sandbox(SandboxEndpoint):
    """A running sandbox account. Stop it with `stop()`, or use it as a context manager."""

    state: SandboxState
    endpoint_url: str
    account_id: str
    layout: RegionLayout
    seed_seconds: float = 0.0
    seed_requests: int = 0
    restored_from: Path | None = None  # the snapshot it was restored from (not seeded)
    _server: Any = field(default=None, repr=False)
    _settings: ProcessSettings | None = field(default=None, repr=False)
    _extra: list[Any] = field(default_factory=list, repr=False)

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self._server is not None

    def serve_also(self, bound: Any) -> None:
        """Serve the same account on another listening socket too (the demo's, once the account is ready)."""
        from wizard.sandbox.moto_server import BoundMotoServer

        extra = BoundMotoServer(HOST, 0, bound)
        extra.start()
        self._extra.append(extra)

    def stop(self) -> None:
        """Stop serving and put the process's moto settings back. Stopping twice is harmless."""
        global _running
        server, self._server = self._server, None
        try:
            for extra in self._extra:
                extra.stop()
            self._extra.clear()
            if server is not None:
                server.stop()
        finally:
            if self._settings is not None:
                self._settings.restore()
                self._settings = None
            with _running_lock:
                if _running is self:
                    _running = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise SandboxError(f"Port {port} is out of range: use 1-65535, or 0 for a free port.")


def _reset_moto(endpoint_url: str) -> None:
    """Forget every account moto holds in this process (an earlier sandbox's, or a test's)."""
    import urllib.request

    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    with no_proxy.open(request, timeout=30) as reply:
        reply.read()


def _seed(state: SandboxState, endpoint_url: str, layout: RegionLayout) -> tuple[int, SeedHistory]:
    """Seed the account through the API (and moto's objects where the API cannot): the requests made, and
    what was written on moto's objects."""
    from wizard.sandbox.seeding import SeedClients

    clients = SeedClients(endpoint_url)
    now = datetime.now(UTC)
    if state == "fresh":
        from wizard.sandbox.fresh import seed_fresh

        history = seed_fresh(clients, layout, now)
    else:
        from wizard.sandbox.hardened import seed_hardened

        history = seed_hardened(clients, layout, now)
    # A credential report generated already, as in an account whose admin read one within the last four hours
    # (IAM keeps a report that long): an audit of a new sandbox need not wait half a second for one.
    clients("iam", layout.home).generate_credential_report()
    return clients.requests, history


def _seed_or_restore(sandbox: Sandbox, snapshots: Path | None) -> None:
    """Restore the account from a snapshot in `snapshots` if one fits, else seed it (and keep a snapshot there)."""
    from wizard.sandbox import snapshot

    started = time.perf_counter()
    _reset_moto(sandbox.endpoint_url)
    path = snapshot.cache_path(sandbox.state, sandbox.layout, sandbox.account_id, snapshots) if snapshots else None
    if path is not None and snapshot.load_cached(path) is not None:
        sandbox.restored_from = path
    else:
        sandbox.seed_requests, history = _seed(sandbox.state, sandbox.endpoint_url, sandbox.layout)
        if path is not None:
            snapshot.touch_regional_backends(sandbox.account_id, sandbox.layout.regions)
            with contextlib.suppress(OSError):  # a full disk or a read-only cache: the next start seeds again
                snapshot.save(path, snapshot.capture(sandbox.account_id, history))
    sandbox.seed_seconds = time.perf_counter() - started


def start_sandbox(
    state: SandboxState = "fresh",
    port: int = 0,
    regions: list[str] | None = None,
    *,
    on_listening: Callable[[str], None] | None = None,
    snapshots: Path | None = None,
) -> Sandbox:
    """Serve a seeded sandbox account on 127.0.0.1:`port` (0 = a free port) until `stop()`.

    `regions` defaults to the 17 regions a new account has enabled. `on_listening(endpoint_url)` is called
    once the port is bound, before the seconds of seeding. `snapshots`: a folder of snapshots of seeded
    accounts (`snapshot`) to restore from, and to keep one in after seeding. Raises SandboxError for a bad
    state, region or port (out of range, or in use).
    """
    if state not in SANDBOX_STATES:
        raise SandboxError(f"Unknown sandbox state {state!r}: choose {' or '.join(SANDBOX_STATES)}.")
    _check_port(port)
    layout = RegionLayout.of(regions)
    with _running_lock:
        if _running is not None:
            raise SandboxError(
                f"A sandbox already runs in this process at {_running.endpoint_url}: stop it first "
                "(moto keeps one set of accounts per process)."
            )
        return _start(state, port, layout, on_listening, snapshots)


def _start(
    state: SandboxState,
    port: int,
    layout: RegionLayout,
    on_listening: Callable[[str], None] | None,
    snapshots: Path | None,
) -> Sandbox:
    global _running
    settings = ProcessSettings()
    settings.apply()
    try:
        from wizard.aws.permissions import SERVICES
        from wizard.sandbox.contact_api import install
        from wizard.sandbox.moto_models import load_moto_models
        from wizard.sandbox.moto_server import BoundMotoServer

        install()
        load_moto_models(SERVICES)
        try:
            server = BoundMotoServer(HOST, port)
        except OSError as error:
            why = os.strerror(error.errno) if error.errno else str(error)
            raise SandboxError(
                f"Cannot serve on {HOST}:{port}: {why.lower()}. Choose another port (0 picks a free one)."
            ) from error
        server.start()
    except BaseException:
        settings.restore()
        raise
    sandbox = Sandbox(state, server.endpoint_url, SANDBOX_ACCOUNT_ID, layout, _server=server, _settings=settings)
    _running = sandbox
    try:
        if on_listening is not None:
            on_listening(sandbox.endpoint_url)
        _seed_or_restore(sandbox, snapshots)
    except BaseException:
        sandbox.stop()
        raise
    return sandbox
