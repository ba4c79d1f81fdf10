"""A moto server in its own process, for benchmarks: `python -m benchmarks.moto_server --port 0`.

It serves on 127.0.0.1 as account 123456789012 with AWS managed IAM policies loaded, gives moto's IAM
backend the root user's credential-report row (wizard.sandbox.root_account) so CIS 1.1 can be audited, collects
garbage as the wizard's processes do (wizard.garbage: fewer walks of moto's large heap), is served as the
sandbox serves moto (wizard.sandbox.moto_speed: two lookups moto repeats on every request done once), prints
`PORT <n>` on stdout once it accepts requests, and runs until it is killed (SIGTERM/SIGINT) or its stdin
closes when started with --exit-on-stdin-eof.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

ACCOUNT_ID = "123456789012"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.moto_server", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--exit-on-stdin-eof", action="store_true", help="stop when stdin closes (the parent went away)"
    )
    parser.add_argument(
        "--many-accounts",
        action="store_true",
        help="serve every account by its credentials (an organization), not all requests as 123456789012",
    )
    parser.add_argument(
        "--stock-moto",
        action="store_true",
        help="serve with moto's own ThreadedMotoServer (its per-request lookups not done once), for comparison",
    )
    args = parser.parse_args(argv)

    # Before moto is imported: the account id, and AWS managed policies (for CIS 1.20's AWSSupportAccess).
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # it logs every request otherwise

    from moto.server import ThreadedMotoServer

    from wizard.garbage import collect_garbage_less_often
    from wizard.sandbox.moto_server import BoundMotoServer
    from wizard.sandbox.root_account import RootAccountState, seed_root_account

    collect_garbage_less_often()  # as the wizard's own processes do (moto holds every account's state)

    if args.stock_moto:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    else:  # served as the sandbox serves it (wizard.sandbox.moto_speed)
        server = BoundMotoServer("127.0.0.1", args.port)
    server.start()
    seed_root_account(ACCOUNT_ID, RootAccountState())
    if args.many_accounts:
        # moto answers every request as MOTO_ACCOUNT_ID while it is set; without it, by the request's access key
        # (the default account, 123456789012, for keys it does not know).
        del os.environ["MOTO_ACCOUNT_ID"]
    _, port = server.get_host_and_port()

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            sys.stdin.read()
            stopped.set()

        threading.Thread(target=watch_stdin, daemon=True).start()

    print(f"PORT {port}", flush=True)
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
