"""The command line: parse arguments, run a command, map errors to exit codes (the composition root)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from wizard import __version__
from wizard.audit_log.log_arguments import add_log_parser
from wizard.errors import EXIT_FAILED, EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, UsageError, WizardError
from wizard.garbage import collect_garbage_less_often
from wizard.inert_text import inert

if TYPE_CHECKING:
    from wizard.audit.run import AuditResult
    from wizard.aws.context import AwsSettings
    from wizard.state.waivers import Waiver

PROG = "cis-wizard"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one clear line and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: {message} (see {self.prog} --help)\n")


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("AWS connection")
    group.add_argument("--profile", default=default, help="AWS profile from ~/.aws/config")
    group.add_argument("--region", default=default, help="home region for global services (default: profile's)")
    group.add_argument("--regions", default=default, help="regions to audit: r1,r2 or 'all' (default: --region)")
    group.add_argument("--endpoint-url", default=default, help="AWS endpoint (AWS_ENDPOINT_URL is honoured too)")
    group.add_argument(
        "--allow-insecure-endpoint",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="allow a plain http endpoint on another computer (the session token travels in clear)",
    )
    group.add_argument("--config", default=default, help="TOML file of answers for an onboarding session")
    group.add_argument("--log", default=default, help="audit log file (default: per account, in the data dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Harden an AWS account against the CIS AWS Foundations Benchmark v1.2.0.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_common(parser, suppress=False)
    from wizard.accounts.command import add_account_arguments

    add_account_arguments(parser, suppress=False)  # the wizard on several accounts: an accounts overview first
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    audit = commands.add_parser("audit", help="audit every control, with evidence (read-only)")
    _add_common(audit, suppress=True)
    from wizard.audit.formats import FORMATS

    audit.add_argument("--format", choices=FORMATS, default="table", help="sarif and junit are for CI")
    audit.add_argument(
        "--security-hub", action="store_true", help="also import the findings into Security Hub (BatchImportFindings)"
    )
    audit.add_argument("--output", help="write the report to FILE instead of standard output")
    audit.add_argument("--controls", help="controls to audit: 1.5,3.*,2.1-2.3 (default: all 49)")
    add_account_arguments(audit)

    from terminal.fix import add_fix_arguments

    plan = commands.add_parser("plan", help="print the fix plans of failing controls (no change is made)")
    _add_common(plan, suppress=True)
    add_fix_arguments(plan)
    plan.add_argument("--format", choices=("sh", "json"), default="sh", help="sh: a runnable bash script")
    plan.add_argument("--output", help="write the plans to FILE")

    apply = commands.add_parser("apply", help="apply fix plans, asking before each (default No)")
    _add_common(apply, suppress=True)
    add_fix_arguments(apply)
    apply.add_argument("--yes", action="store_true", help="apply without asking (for scripts)")
    apply.add_argument("--dry-run", action="store_true", help="show what would be done; change nothing")

    permissions = commands.add_parser("permissions", help="print the IAM policy the wizard needs (audit or fix)")
    _add_permissions_parser(permissions)

    demo = commands.add_parser("demo", help="the wizard against the built-in sandbox account (no AWS needed)")
    _add_common(demo, suppress=True)

    from terminal.checklist_command import add_checklist_arguments

    checklist = commands.add_parser("checklist", help="a guided checklist in a plain terminal (or --waive a control)")
    _add_common(checklist, suppress=True)
    add_checklist_arguments(checklist)
    from wizard.sandbox.command import add_sandbox_arguments

    add_sandbox_arguments(commands.add_parser("sandbox", help="serve the sandbox account on 127.0.0.1 (moto)"))
    add_log_parser(commands, lambda parser: _add_common(parser, suppress=True))
    return parser


def _add_permissions_parser(permissions: argparse.ArgumentParser) -> None:
    permissions.add_argument(
        "--mode",
        choices=("audit", "fix", "management", "member-trust"),
        default="audit",
        help="audit/fix: what cis-wizard needs in an account; management: what the management account needs to "
        "list the organization and assume the role; member-trust: the role's trust policy in each member account",
    )
    permissions.add_argument("--role-name", default="OrganizationAccountAccessRole", help="the role in each account")
    permissions.add_argument("--management-account", help="member-trust: the management account's id")
    permissions.add_argument("--external-id", help="member-trust: the external id the role asks for")
    permissions.add_argument("--require-mfa", action="store_true", help="member-trust: only with MFA")


def _not_yet(args: argparse.Namespace) -> int:
    raise UsageError(f"`{PROG} {args.command}` is not available yet in this version ({__version__}).")


def aws_settings(args: argparse.Namespace) -> AwsSettings:
    from wizard.aws.context import AwsSettings

    return AwsSettings(
        profile=getattr(args, "profile", None),
        region=getattr(args, "region", None),
        regions=getattr(args, "regions", None),
        endpoint_url=getattr(args, "endpoint_url", None),
        allow_insecure_endpoint=getattr(args, "allow_insecure_endpoint", False),
    )


def write_output(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    path = Path(output)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot write {output}: {error.strerror or error}.") from error


def run_audit_command(args: argparse.Namespace) -> int:
    from terminal.audit_progress import stderr_progress
    from wizard.audit.reports import render
    from wizard.audit.run import run_audit
    from wizard.aws.context import AwsContext
    from wizard.catalog import UnknownControlError, load_catalog

    catalog = load_catalog()
    try:
        controls = catalog.select(args.controls) if args.controls else list(catalog)
    except UnknownControlError as error:
        raise UsageError(str(error)) from error
    if args.output and Path(args.output).is_dir():
        raise UsageError(f"--output {args.output} is a directory.")
    ctx = AwsContext(aws_settings(args))
    ctx.identity()
    from wizard.accounts.command import many_accounts, run_accounts_audit

    if many_accounts(args):
        return run_accounts_audit(args, ctx, controls, _account_waivers)
    regions = ctx.resolve_regions()
    if ctx.skipped_regions:
        sys.stderr.write(
            f"{PROG}: not auditing {len(ctx.skipped_regions)} region(s) the account has not enabled: "
            f"{', '.join(ctx.skipped_regions)}\n"
        )
    changed_since = _last_change(args, ctx.identity().account_id)
    with stderr_progress(len(controls), regions) as progress:
        result = run_audit(ctx, controls, regions, progress=progress, changed_since=changed_since)
    waivers = _audit_waivers(args, result)
    if args.format == "table" and not args.output and sys.stdout.isatty():
        from rich.console import Console

        from wizard.audit.reports import render_table

        Console().print(render_table(result, waivers))
    else:
        write_output(render(result, args.format, waivers), args.output)
    if args.output or args.format != "table":
        from wizard.audit.reports import score_line

        if sys.stderr.isatty():
            sys.stderr.write(score_line(result) + "\n")
    from wizard.audit.reports import audit_day
    from wizard.state.waivers import counts_as_failing

    imported = _security_hub(args, ctx, result, waivers) if getattr(args, "security_hub", False) else True
    day = audit_day(result)
    failing = [r for r in result.results if counts_as_failing(r.finding, waivers.get(r.control.id), day)]
    return EXIT_FAILED if failing or not imported else EXIT_OK


def _security_hub(args: argparse.Namespace, ctx: object, result: AuditResult, waivers: Mapping[str, Waiver]) -> bool:
    """Import the findings; say how many Security Hub took and which it refused (False when any was refused)."""
    from wizard.audit.formats.security_hub import send_to_security_hub

    outcome = send_to_security_hub(ctx, result, waivers, Path(args.log) if getattr(args, "log", None) else None)
    for line in outcome.lines():
        sys.stderr.write(f"{PROG}: {inert(line)}\n")
    return outcome.complete


def _account_waivers(audit: Any) -> Mapping[str, Waiver]:
    """One account's waivers, from its own log's folder (each account of a many-account audit has its own)."""
    from wizard.state.waivers import WaiverBook

    return WaiverBook.load(audit.account_id, None).waivers


def _last_change(args: argparse.Namespace, account_id: str) -> datetime | None:
    """When the wizard last changed this account (from its audit log): reports AWS made before then lag."""
    from wizard.audit_log.paths import default_log_path
    from wizard.audit_log.reader import last_change_time

    log_path = Path(args.log) if getattr(args, "log", None) else default_log_path(account_id)
    try:
        return last_change_time(log_path)
    except WizardError:
        return None


def _audit_waivers(args: argparse.Namespace, result: AuditResult) -> Mapping[str, Waiver]:
    """The account's waivers that the audit log signs (each other entry is named on stderr and ignored);
    lapsed ones not yet in the log are recorded there as expired first."""
    from wizard.audit.reports import audit_day
    from wizard.audit_log.writer import AuditLog
    from wizard.state.waivers import WaiverBook

    log_path = Path(args.log) if getattr(args, "log", None) else None
    identity = result.identity
    book = WaiverBook.load(identity.account_id, log_path)
    for rejected in book.rejected:  # forged or edited: the control counts as not waived
        sys.stderr.write(f"{PROG}: {rejected}\n")
    if book.due_for_expiry(audit_day(result)):
        try:
            with AuditLog.open(identity.account_id, identity.arn, log_path) as log:
                book.expire_due(log, audit_day(result))
        except WizardError as error:  # the audit's verdicts stand; the log entry waits for the next run
            sys.stderr.write(f"{PROG}: could not record the expired waivers in the audit log: {inert(error)}\n")
    return book.waivers


def run_plan_command(args: argparse.Namespace) -> int:
    from terminal import accounts_fix, fix
    from wizard.accounts.command import many_accounts

    return (accounts_fix.run_accounts_plan if many_accounts(args) else fix.run_plan_command)(args)


def run_apply_command(args: argparse.Namespace) -> int:
    from terminal import accounts_fix, fix
    from wizard.accounts.command import many_accounts

    return (accounts_fix.run_accounts_apply if many_accounts(args) else fix.run_apply_command)(args)


def run_log_command(args: argparse.Namespace) -> int:
    from wizard.audit_log.commands import run_log

    def connect() -> object:
        from wizard.aws.context import AwsContext

        return AwsContext(aws_settings(args))

    def identify() -> str:
        from wizard.aws.context import AwsContext

        return AwsContext(aws_settings(args)).identity().account_id

    return run_log(args, identify, connect)


def run_tui_command(args: argparse.Namespace) -> int:
    """The Textual wizard against the configured account (or, for `demo`, the sandbox)."""
    log_path = Path(args.log) if getattr(args, "log", None) else None
    if getattr(args, "command", None) == "demo":
        from wizard.accounts.command import many_accounts

        if many_accounts(args):
            raise UsageError("the demo is the one sandbox account: --organization and --accounts are for real ones.")
        from screens.demo import demo_app  # starts the sandbox's process before Textual is imported

        app = demo_app(log_path)
    else:
        from screens.app import WizardApp
        from wizard.accounts.command import accounts_launch

        launch = accounts_launch(args)  # None: one account, the connect screen first
        app = WizardApp(aws_settings(args), sandbox_starter=start_sandbox_lazily, log_path=log_path, accounts=launch)
    app.run()
    return EXIT_OK


def start_sandbox_lazily() -> object:
    from wizard.sandbox.process import start_sandbox_process

    return start_sandbox_process("fresh")


def run_checklist_command(args: argparse.Namespace) -> int:
    from terminal.checklist_command import run_checklist_command as run

    return run(args)


def run_sandbox_command(args: argparse.Namespace) -> int:
    from wizard.sandbox.command import run_sandbox_command as run

    return run(args)


def run_permissions_command(args: argparse.Namespace) -> int:
    from wizard.accounts import policies
    from wizard.aws.permissions import render_policy

    if args.mode == "management":
        sys.stdout.write(policies.render(policies.management_policy(args.role_name)))
        return EXIT_OK
    if args.mode == "member-trust":
        from wizard.accounts.reach import ACCOUNT_ID

        if not ACCOUNT_ID.match(args.management_account or ""):
            raise UsageError("--mode member-trust needs --management-account with the 12-digit id.")
        document = policies.member_trust_policy(args.management_account, args.external_id, args.require_mfa)
        sys.stdout.write(policies.render(document))
        return EXIT_OK

    fix_actions: set[str] = set()
    if args.mode == "fix":
        import actions.fixes  # noqa: F401  (registers every fix, with the permissions it declares)
        from actions.registry import declared_permissions

        fix_actions = declared_permissions()
    sys.stdout.write(render_policy(args.mode, fix_actions))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "permissions": run_permissions_command,
    "demo": run_tui_command,
    "audit": run_audit_command,
    "plan": run_plan_command,
    "apply": run_apply_command,
    "log": run_log_command,
    "checklist": run_checklist_command,
    "sandbox": run_sandbox_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = COMMANDS.get(args.command, _not_yet) if args.command else run_tui_command
    try:
        return command(args)
    except WizardError as error:  # its message may quote AWS or the input: shown inert
        sys.stderr.write(f"{PROG}: {inert(error)}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: cancelled. No changes were made.\n")
        return 130
    except Exception as error:  # the last line of defence: one line, and the trace only when asked for
        if os.environ.get("CIS_WIZARD_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"{PROG}: unexpected error: {type(error).__name__}: {inert(error)}\n")
        return EXIT_UNEXPECTED


def entry_point() -> NoReturn:
    collect_garbage_less_often()
    code = main()
    # Everything is written and closed (the audit log fsyncs each record); skip the interpreter's final
    # garbage collection of a large heap, which costs most of a second after a big audit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
