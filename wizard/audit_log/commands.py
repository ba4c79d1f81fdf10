"""`cis-wizard log verify|show|export|anchor`: the command-line side of the audit log (cli.py parses, this runs)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.audit_log.errors import LogUnavailableError, MissingKeyError
from wizard.audit_log.export import render_report, when
from wizard.audit_log.paths import check_account_id, default_log_path
from wizard.audit_log.query import (
    RecordFilter,
    outcome,
    parse_controls,
    parse_kinds,
    parse_when,
    resolve_session,
    results_by_call,
    run_of_session,
)
from wizard.audit_log.reader import LogContents, read_log
from wizard.audit_log.records import Record
from wizard.audit_log.report import build_report
from wizard.audit_log.verify import Evidence, VerifyReport, verify_log
from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError
from wizard.inert_text import inert, inert_text

Identify = Callable[[], str]  # the account id of the configured AWS credentials
Connect = Callable[[], Any]  # an AwsContext of the configured AWS credentials (for S3 anchors)


def _no_aws() -> Any:
    raise UsageError("An S3 anchor needs AWS credentials.")


def log_target(args: argparse.Namespace, identify: Identify) -> tuple[Path, str | None]:
    """The log file and, when known, its account: --log FILE, else the data-dir log of --account or of the
    caller's AWS identity. A missing file is a usage error (exit 2)."""
    account = check_account_id(args.account) if getattr(args, "account", None) else None
    if getattr(args, "log", None):
        path = Path(args.log).expanduser()
    else:
        account = account or identify()
        path = default_log_path(account)
    if path.is_dir():
        raise LogUnavailableError(f"--log {path} is a directory.")
    if not path.is_file():
        raise LogUnavailableError(f"There is no audit log at {path}.")
    return path, account


def _selection(args: argparse.Namespace, contents: LogContents) -> tuple[RecordFilter, str]:
    """The filter from the flags, and the scope in words."""
    since = parse_when(args.since) if getattr(args, "since", None) else None
    until = parse_when(args.until, end=True) if getattr(args, "until", None) else None
    if since and until and since >= until:
        raise UsageError("--since must be before --until.")
    session = resolve_session(contents.records, args.session) if getattr(args, "session", None) else None
    chosen = RecordFilter(
        since=since,
        until=until,
        controls=parse_controls(getattr(args, "control", None)),
        kinds=parse_kinds(getattr(args, "kind", None)),
        session=session,
        run=run_of_session(contents.records, session) if session else None,
    )
    scope = []
    if session:
        scope.append(f"session {session}")
    if since or until:
        scope.append(f"from {args.since or 'the start'} until {args.until or 'now'} (UTC)")
    return chosen, ", ".join(scope) or "the whole log"


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot write {output}: {error.strerror or error}.") from error


def _anchors(args: argparse.Namespace, connect: Connect) -> tuple[tuple[tuple[str, Any], ...], list[str]]:
    """The checkpoints of every --anchor (a file, or every version of an S3 object), and warnings."""
    import botocore.exceptions

    from wizard.audit_log.anchoring import aws_refusal, parse_place, read_file_anchor, read_s3_anchor

    found: list[tuple[str, Any]] = []
    warnings: list[str] = []
    for text in getattr(args, "anchor", None) or []:
        place = parse_place(text)
        if isinstance(place, Path):
            found += read_file_anchor(place)
            continue
        try:
            checkpoints, warning = read_s3_anchor(connect().client("s3"), place)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise aws_refusal(place, error) from error
        found += checkpoints
        warnings += [warning] if warning else []
    return tuple(found), warnings


def run_verify(args: argparse.Namespace, identify: Identify, connect: Connect = _no_aws) -> int:
    from wizard.audit_log.bundle import verify_bundle

    anchors, warnings = _anchors(args, connect)
    fingerprint = getattr(args, "fingerprint", None)
    if getattr(args, "bundle", None):
        report = verify_bundle(Path(args.bundle).expanduser(), fingerprint, anchors)
    else:
        path, account = log_target(args, identify)
        evidence = Evidence(anchors=anchors, expected_fingerprint=fingerprint) if anchors or fingerprint else None
        report = verify_log(path, account, evidence)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        lines = [report.headline(), *("  " + note for note in report.notes())]  # they may quote the file
        sys.stdout.write(inert("\n".join(lines)) + "\n")
    for warning in warnings:
        sys.stderr.write(f"cis-wizard: warning: {inert(warning)}\n")
    return EXIT_OK if report.intact else EXIT_FAILED


def _show_table(records: list[Record], results: dict[str, Record], path: Path) -> object:
    """Every cell a Text made inert: reasons, names and errors in the log are AWS's or a person's words."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=inert_text(f"Audit log {path}"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Who")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Control", no_wrap=True)
    table.add_column("Outcome")
    for record in records:
        who = Text.assemble(inert_text(record.who), " ", inert_text(record.caller.rsplit(":", 1)[-1], "dim"))
        cells = (str(record.seq), when(record), who, record.kind, record.control or "", outcome(record, results))
        table.add_row(*(cell if isinstance(cell, Text) else inert_text(cell, one_line=True) for cell in cells))
    return table


def run_show(args: argparse.Namespace, identify: Identify) -> int:
    path, _ = log_target(args, identify)
    contents = read_log(path)
    chosen, _scope = _selection(args, contents)
    records = chosen.apply(contents.records)
    if args.format == "json":
        sys.stdout.write(json.dumps([record.to_dict() for record in records], indent=2) + "\n")
        return EXIT_OK
    from rich.console import Console

    table = _show_table(records, results_by_call(contents.records), path)
    if sys.stdout.isatty():
        Console().print(table)
    else:
        console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
        console.print(table)
        sys.stdout.write("\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n")
    skipped = len(contents.torn_lines) + len(contents.malformed_lines)
    if skipped:
        sys.stderr.write(
            f"cis-wizard: {skipped} line(s) of the log are not records (`cis-wizard log verify` says why).\n"
        )
    return EXIT_OK


def _export_bundle(path: Path, account: str | None, directory: Path) -> int:
    from wizard.audit_log.bundle import export_bundle
    from wizard.audit_log.keys import stderr_notice

    exported = export_bundle(path, account, directory, stderr_notice)
    sealed = f"; checkpoint of record {exported.checkpoint.seq} signed now" if exported.checkpoint else ""
    lines = [
        f"Bundle {directory}: the audit log of account {exported.verification.account_id}, "
        f"records 1-{exported.records}, signed with key {exported.fingerprint}{sealed}.",
        f"Check it anywhere: cis-wizard log verify --bundle {directory} --fingerprint {exported.fingerprint}",
    ]
    sys.stdout.write(inert("\n".join(lines)) + "\n")
    if not exported.verification.intact:
        sys.stderr.write(f"cis-wizard: warning: {inert(exported.verification.headline())}\n")
    return EXIT_OK


def run_export(args: argparse.Namespace, identify: Identify) -> int:
    path, account = log_target(args, identify)
    if getattr(args, "bundle", None):
        return _export_bundle(path, account, Path(args.bundle).expanduser())
    if args.output and Path(args.output).is_dir():
        raise UsageError(f"--output {args.output} is a directory.")
    contents = read_log(path)
    chosen, scope = _selection(args, contents)
    verification: VerifyReport | None = None
    problem = None
    try:
        verification = verify_log(path, account)
    except MissingKeyError as error:
        problem = str(error)
    report = build_report(
        contents.records,
        chosen.apply(contents.records),
        log_path=path,
        scope=scope,
        verification=verification,
        verification_error=problem,
        torn_lines=contents.torn_lines,
    )
    _write(render_report(report, args.format), args.output)
    if verification is not None and not verification.intact:
        sys.stderr.write(f"cis-wizard: warning: {inert(verification.headline())}\n")
    return EXIT_OK


def _not_anchored(report: VerifyReport) -> int:
    sys.stdout.write(inert(report.headline()) + "\nNothing was anchored.\n")
    return EXIT_FAILED


def run_anchor(args: argparse.Namespace, identify: Identify, connect: Connect = _no_aws) -> int:
    """Write the newest signed checkpoint to a file or to the account's anchor bucket (made if need be)."""
    import botocore.exceptions

    from wizard.audit_log import anchoring
    from wizard.audit_log.bundle import seal_head
    from wizard.audit_log.keys import stderr_notice
    from wizard.audit_log.writer import AuditLog

    if args.file:
        path, account = log_target(args, identify)
        report = verify_log(path, account)
        if not report.intact or report.account_id is None:
            return _not_anchored(report)
        checkpoint = seal_head(path, report.account_id, stderr_notice)
        if checkpoint is None:
            raise UsageError(f"Cannot sign a checkpoint of {path} here: its keys are not on this computer.")
        where = anchoring.write_file_anchor(Path(args.file).expanduser(), checkpoint)
    else:
        ctx = connect()
        identity = ctx.identity()
        path, account = log_target(args, lambda: str(identity.account_id))
        report = verify_log(path, account)
        if not report.intact or report.account_id is None:
            return _not_anchored(report)
        place = anchoring.default_place(identity.account_id, ctx.home_region, args.bucket)
        client = ctx.client("s3")
        try:
            with (
                AuditLog.open(identity.account_id, identity.arn, path) as log,
                log.session({"command": "log anchor", "anchor": str(place)}),
            ):
                anchoring.ensure_bucket(log, client, place, ctx.home_region)
                checkpoint, version = anchoring.write_s3_anchor(log, client, place, ctx.home_region)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise anchoring.aws_refusal(place, error) from error
        where = f"{place}" + (f" (version {version})" if version else "")
    lines = [
        f"Anchored the signed checkpoint of {checkpoint.describe()} (key {checkpoint.key}) to {where}.",
        f"Hold the log against it later: cis-wizard log verify --anchor {where.split(' (')[0]}",
    ]
    sys.stdout.write(inert("\n".join(lines)) + "\n")
    return EXIT_OK


ACTIONS: dict[str, Callable[..., int]] = {
    "verify": run_verify,
    "show": run_show,
    "export": run_export,
    "anchor": run_anchor,
}


def run_log(args: argparse.Namespace, identify: Identify, connect: Connect = _no_aws) -> int:
    if args.log_command in ("verify", "anchor"):
        return ACTIONS[args.log_command](args, identify, connect)
    return ACTIONS[args.log_command](args, identify)
