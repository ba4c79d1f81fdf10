"""`cis-wizard log verify|show|export|anchor`: its arguments (cli.py builds the parser; `commands` runs it).
Kept apart from `commands` so that parsing the command line imports none of the log's reading and export."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_log_parser(
    commands: argparse._SubParsersAction[Any], add_common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """`log`, its actions and their options; `add_common` gives it and each action the AWS connection options."""
    log = commands.add_parser("log", help="show, verify or export the audit log")
    add_common(log)
    actions = log.add_subparsers(dest="log_command", parser_class=type(log), metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="check the chain, every HMAC and signature, and the checkpoints (exit 0 intact, 3 tampered)"
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.add_argument("--bundle", metavar="DIR", help="check an exported bundle, with nothing but what is in it")
    verify.add_argument("--fingerprint", help="the signing key's fingerprint as recorded elsewhere (SHA256:...)")
    verify.add_argument(
        "--anchor",
        action="append",
        metavar="FILE|s3://BUCKET/KEY",
        help="a checkpoint anchored outside the machine; the log must still extend it (may be repeated)",
    )
    show = actions.add_parser("show", help="list records: time, who, kind, control, outcome")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.add_argument("--control", help="only these controls: 1.5,3.*")
    show.add_argument("--kind", help="only these kinds: call,result,...")
    export = actions.add_parser("export", help="a report for auditors of a session or a date range")
    export.add_argument("--format", choices=("md", "html", "json"), default="md")
    export.add_argument("--output", help="write the report to FILE instead of standard output")
    export.add_argument(
        "--bundle", metavar="DIR", help="write the log, its public key, fingerprint and signed checkpoints to DIR"
    )
    anchor = actions.add_parser("anchor", help="keep the newest signed checkpoint outside the machine")
    where = anchor.add_mutually_exclusive_group(required=True)
    where.add_argument("--file", help="append it to FILE (a USB stick, a shared folder, ...)")
    where.add_argument(
        "--s3", action="store_true", help="put it in the account's versioned anchor bucket (made if need be)"
    )
    anchor.add_argument("--bucket", help="the anchor bucket's name (default cis-wizard-anchors-ACCOUNT-REGION)")
    for sub in (verify, show, export, anchor):
        add_common(sub)
        sub.add_argument("--account", help="AWS account id of the log (default: from --log, or the AWS identity)")
    for sub in (show, export):
        sub.add_argument("--since", help="from this UTC date or time (2025-05-01, 2025-05-01T14:30)")
        sub.add_argument("--until", help="before this UTC time; a date alone includes that day")
        sub.add_argument("--session", help="one session: its id, a unique prefix of it, or 'last'")
