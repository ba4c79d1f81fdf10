"""`cis-wizard sandbox`: serve the sandbox account on 127.0.0.1 until Ctrl-C, and say how to point tools at it."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from wizard.errors import EXIT_OK
from wizard.sandbox.account import ACCOUNT_ALIAS, DEFAULT_REGIONS, SANDBOX_STATES

DEFAULT_PORT = 5000  # moto server's own default


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range: use 1-65535, or 0 for a free port")
    return port


def _region_list(text: str) -> list[str]:
    regions = [r.strip() for r in text.split(",") if r.strip()]
    if not regions:
        raise argparse.ArgumentTypeError("needs region names, like us-east-1,eu-west-1")
    return regions


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = a free one)"
    )
    parser.add_argument(
        "--state",
        choices=SANDBOX_STATES,
        default="fresh",
        help="fresh: fails most controls (default); hardened: passes all the API can see",
    )
    parser.add_argument(
        "--regions",
        type=_region_list,
        default=None,
        help=f"regions to seed: r1,r2 (default: the {len(DEFAULT_REGIONS)} regions a new account has enabled)",
    )


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """`kill` (SIGTERM) stops the sandbox as cleanly as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sandbox_command(args: argparse.Namespace) -> int:
    from wizard.sandbox.server import start_sandbox

    regions = args.regions or list(DEFAULT_REGIONS)
    sandbox = None
    with _sigterm_as_interrupt():
        try:
            sandbox = start_sandbox(
                args.state,
                port=args.port,
                regions=regions,
                on_listening=lambda url: _say(
                    f"Listening on {url}; seeding a {args.state} account in {len(regions)} region(s)..."
                ),
            )
            env = sandbox.env()
            _say(
                f"Sandbox account {sandbox.account_id} ({ACCOUNT_ALIAS}, {sandbox.state}) seeded in "
                f"{sandbox.seed_seconds:.1f} s with {sandbox.seed_requests} API calls"
            )
            _say(f"Endpoint: {sandbox.endpoint_url}")
            _say(f"Port: {sandbox.port}")
            _say(f"Regions: {','.join(sandbox.regions)}")
            _say("Point the AWS CLI, boto3 or cis-wizard at it from another shell:")
            for name, value in env.items():
                _say(f"export {name}={shlex.quote(value)}")
            _say(f"Then: cis-wizard audit --regions {','.join(sandbox.regions)}")
            _say("Serving until Ctrl-C.")
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            if sandbox is not None:
                sandbox.stop()
    _say("Sandbox stopped.")
    return EXIT_OK
