"""`cis-wizard checklist ID [--waive] [--restart]`: the command around the plain-terminal walk
(`terminal.checklist`): usage checked before any AWS call, the account's log, progress and waivers opened,
and Ctrl-C answered with what was recorded. Imports stay inside functions, so building the parser is cheap.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from terminal.checklist import ChecklistContext, PlainChecklist, Prompts
from wizard.errors import UsageError

EXIT_CANCELLED = 130
NO_TERMINAL = "`cis-wizard checklist` asks questions: run it in a terminal (standard input and output must be a TTY)."


def add_checklist_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "control", help="the control: 1.1, 1.2, 1.12-1.15, 1.17, 1.19 or 4.4 (any control with --waive)"
    )
    parser.add_argument(
        "--waive", action="store_true", help="skip the control with a waiver: a reason, an owner and an expiry date"
    )
    parser.add_argument("--restart", action="store_true", help="start the steps over (what was recorded stays)")


def _check_control(control_id: str, waive: bool) -> str:
    """The control id as the catalog spells it; bad usage fails here, before any AWS call."""
    from actions.checklists import has_checklist, load_checklists
    from wizard.catalog import UnknownControlError, load_catalog

    try:
        control = load_catalog().get(control_id)
    except UnknownControlError as error:
        raise UsageError(str(error)) from error
    if not waive and not has_checklist(control.id):
        how = f"`cis-wizard apply --controls {control.id}`" if control.fix == "auto" else "its remediation text"
        raise UsageError(
            f"{control.id} has no guided checklist (checklists: {', '.join(load_checklists())}); it is fixed "
            f"with {how}. To skip it instead, add --waive."
        )
    return control.id


def run_checklist_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from terminal.fix import session_answers
    from wizard.audit_log.writer import AuditLog
    from wizard.aws.context import AwsContext
    from wizard.cli import aws_settings
    from wizard.state.progress import SessionProgress
    from wizard.state.waivers import WaiverBook

    control_id = _check_control(args.control, args.waive)
    answers = session_answers(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(NO_TERMINAL)
    ctx = AwsContext(aws_settings(args))
    identity = ctx.identity()
    regions = ctx.resolve_regions()
    log_path = Path(args.log) if getattr(args, "log", None) else None
    progress = SessionProgress.load(identity.account_id, log_path)
    book = WaiverBook.load(identity.account_id, log_path)
    log = AuditLog.open(identity.account_id, identity.arn, log_path)
    session = ChecklistContext(ctx, regions, log, progress, book, answers.driver, answers.attestation_name)
    walk = PlainChecklist(control_id, session, Prompts(), Console(), waive=args.waive, restart=args.restart)
    start: dict[str, Any] = {"command": "checklist", "control": control_id, "regions": regions}
    if answers.driver:
        start["driver"] = answers.driver
    try:
        with log.session(start):
            return walk.walk()
    except KeyboardInterrupt:
        sys.stderr.write(walk.cancelled_message() + "\n")
        return EXIT_CANCELLED
    finally:
        log.close()
