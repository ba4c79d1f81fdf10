"""`cis-wizard plan` and `cis-wizard apply`: part of the command-line composition root.

Imports of actions/ and of questionary happen inside the functions, so importing `wizard` stays headless.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError

_ALARM_EMAIL = "alarm_email"


def _option_fields() -> list[dataclasses.Field[Any]]:
    from actions.options import FixOptions

    return list(dataclasses.fields(FixOptions))


def add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    """--controls/--all-failing and one flag per fix option (alarm e-mail, names, password values)."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--controls", help="controls to fix: 1.5,3.*,2.1-2.3")
    which.add_argument("--all-failing", action="store_true", help="every failing control that has a fix")
    group = parser.add_argument_group("fix options (also from --config FILE)")
    group.add_argument("--alarm-email", help="e-mail address the 3.x alarms notify")
    for field in _option_fields():
        flag = "--" + field.name.replace("_", "-")
        kind = int if isinstance(field.default, int) else str
        group.add_argument(flag, dest=f"opt_{field.name}", type=kind, default=None, help=argparse.SUPPRESS)


def session_config_types() -> dict[str, type]:
    """Every key a --config file may hold: the fix options, alarm_email, and the session's own keys."""
    from wizard.session_config import SESSION_KEYS

    fields = {f.name: (int if isinstance(f.default, int) else str) for f in _option_fields()}
    return {**fields, _ALARM_EMAIL: str, **SESSION_KEYS}


def _config_answers(args: argparse.Namespace) -> dict[str, Any]:
    config = getattr(args, "config", None)
    if not config:
        return {}
    from wizard.session_config import load_session_config

    return load_session_config(config, session_config_types())


def session_answers(args: argparse.Namespace) -> Any:
    """The session's answers (driver, attestation name) from --config; the whole file is validated first, so
    a bad fix option in it is rejected by every command, not only by `apply`."""
    from wizard.session_config import SessionAnswers

    fix_options(args)
    return SessionAnswers.from_answers(_config_answers(args))


def fix_options(args: argparse.Namespace) -> Any:
    """FixOptions from --config, then flags (flags win); invalid values fail here, before any AWS call."""
    from actions.options import FixOptions
    from wizard.session_config import SESSION_KEYS

    fields = {f.name: (int if isinstance(f.default, int) else str) for f in _option_fields()}
    values: dict[str, Any] = {}
    answers = _config_answers(args)
    for key in SESSION_KEYS:
        answers.pop(key, None)
    values.update(answers)
    if getattr(args, "alarm_email", None):
        values[_ALARM_EMAIL] = args.alarm_email
    for name in fields:
        given = getattr(args, f"opt_{name}", None)
        if given is not None:
            values[name] = given
    email = values.pop(_ALARM_EMAIL, None)
    if email:
        values.setdefault("alarm_endpoint", email)
        values.setdefault("alarm_protocol", "email")
    return FixOptions(**values)


def _selected_controls(args: argparse.Namespace) -> Any:
    from wizard.catalog import UnknownControlError, load_catalog

    if args.all_failing:
        return None
    if not args.controls:
        raise UsageError("say which controls to fix: --controls 1.5,2.* or --all-failing.")
    try:
        return load_catalog().select(args.controls)
    except UnknownControlError as error:
        raise UsageError(str(error)) from error


def _prepare(args: argparse.Namespace, ask: bool = False) -> tuple[Any, Any, list[str]]:
    """Audit and plan. With `ask`, a plan that only lacks the alarms' e-mail asks for it and is planned again."""
    import dataclasses

    from actions.workflow import prepare_fixes
    from wizard.aws_context import AwsContext
    from wizard.cli import aws_settings

    controls = _selected_controls(args)
    options = fix_options(args)
    ctx = AwsContext(aws_settings(args))
    ctx.identity()
    regions = ctx.resolve_regions()
    selection = prepare_fixes(ctx, controls, options, regions)
    if ask and any(p.id == "cis-alarms" for p in selection.refused) and options.alarm_endpoint is None:
        email = _ask_alarm_email()
        options = dataclasses.replace(options, alarm_endpoint=email, alarm_protocol="email")
        selection = prepare_fixes(ctx, controls, options, regions)
    return ctx, selection, regions


def _ask_alarm_email() -> str:
    import questionary

    from actions.options import validate_email

    def valid(text: str) -> bool | str:
        try:
            validate_email(text.strip())
        except UsageError as error:
            return str(error)
        return True

    answer = questionary.text("E-mail address the CIS 3.x alarms should notify:", validate=valid).unsafe_ask()
    return str(answer).strip()


def _explain_left_out(selection: Any, console: Any) -> None:
    for control_id, why in selection.not_automated:
        console.print(f"[yellow]{control_id}[/]: no automatic fix ({why}).")
    for plan in selection.refused:
        console.print(f"[red]{', '.join(plan.control_ids)}[/]: not planned: {plan.refused}")


def run_plan_command(args: argparse.Namespace) -> int:
    from wizard.plan_script import render_plans_json, render_script

    ctx, selection, _ = _prepare(args)
    account = selection.audit.identity.account_id
    if args.format == "json":
        text = render_plans_json(selection.plans, account)
    else:
        text = render_script(
            selection.plans, account, f"profile {ctx.settings.profile}" if ctx.settings.profile else ""
        )
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"Cannot write {args.output}: {error.strerror or error}.") from error
    else:
        sys.stdout.write(text)
    if sys.stderr.isatty():
        from rich.console import Console

        _explain_left_out(selection, Console(stderr=True))
    return EXIT_OK


def _confirm(plan: Any, account_id: str) -> tuple[bool, str]:
    """Ask per plan; default No. Disruptive plans need "yes" typed; irreversible ones the account id."""
    import questionary

    from wizard.plans import Risk

    controls = ", ".join(plan.control_ids)
    if plan.risk is Risk.IRREVERSIBLE:
        typed = questionary.text(
            f"This cannot be undone. Type the account id ({account_id}) to apply {controls}:"
        ).unsafe_ask()
        return typed.strip() == account_id, f"typed {typed.strip()!r}"
    if plan.risk is Risk.DISRUPTIVE:
        typed = questionary.text(
            f"This may break what relies on the current setup (listed above). Type yes to apply {controls}:"
        ).unsafe_ask()
        return typed.strip().lower() == "yes", f"typed {typed.strip()!r}"
    answer = questionary.confirm(f"Apply the fix for {controls}?", default=False).unsafe_ask()
    return bool(answer), "yes" if answer else "no"


def run_apply_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from actions.log_journal import AuditLogJournal, record_confirm, record_plan, record_verify
    from actions.workflow import verify_controls
    from wizard.audit_log.writer import AuditLog
    from wizard.executor import run_plan
    from wizard.findings import Status
    from wizard.plan_view import render_outcome, render_plan

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (args.yes or args.dry_run or interactive):
        raise UsageError("refusing to apply without a terminal to confirm on: add --yes, or --dry-run to preview.")
    ctx, selection, regions = _prepare(args, ask=interactive and not args.yes and not args.dry_run)
    console = Console()
    _explain_left_out(selection, console)
    if not selection.plans:
        console.print("Nothing to apply: every selected control with an automatic fix already passes.")
        return EXIT_OK
    identity = selection.audit.identity
    if args.dry_run:
        for plan in selection.plans:
            console.print(render_plan(plan))
        console.print(f"Dry run: {sum(len(p.steps) for p in selection.plans)} call(s) would be made; none were.")
        return EXIT_OK
    log = AuditLog.open(identity.account_id, identity.arn, Path(args.log) if args.log else None)
    findings = {r.control.id: r.finding for r in selection.audit.results}
    failed = False
    applied = []
    driver = session_answers(args).driver
    try:
        with log.session({"command": "apply", "regions": regions, **({"driver": driver} if driver else {})}):
            for plan in selection.plans:
                console.print(render_plan(plan))
                record_plan(log, plan, findings)
                if args.yes:
                    ok, how = True, "--yes"
                else:
                    ok, how = _confirm(plan, identity.account_id)
                record_confirm(log, plan, "yes" if ok else "no", how)
                if not ok:
                    console.print("Skipped.")
                    continue
                outcome = run_plan(ctx, plan, AuditLogJournal(log))
                console.print(render_outcome(outcome))
                applied.append(plan)
                if not outcome.ok:
                    failed = True
                    console.print(f"[bold red]Stopped:[/] {len(outcome.ran)} step(s) of this plan ran.")
                    if plan.undo:
                        console.print("To undo what ran, these calls put things back:")
                        for step in plan.undo:
                            console.print(f"  {step.cli()}", highlight=False)
                    break
            if applied:
                after = verify_controls(ctx, applied, regions)
                for result in after.results:
                    record_verify(log, result.control.id, result.finding)
                    style = "green" if result.finding.status is Status.PASS else "red"
                    console.print(
                        f"{result.control.id}: [{style}]{result.finding.status.value}[/] {result.finding.summary}"
                    )
                failed = failed or any(r.finding.status is Status.FAIL for r in after.results)
    finally:
        log.close()
    return EXIT_FAILED if failed else EXIT_OK
