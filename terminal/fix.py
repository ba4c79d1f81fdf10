"""`cis-wizard plan` and `cis-wizard apply`: part of the command-line composition root.

Both go through the one apply engine (actions/apply_engine.py); this module only asks and prints. Imports of
actions/ and of questionary happen inside the functions, so importing `wizard` stays headless.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from wizard.errors import EXIT_FAILED, EXIT_OK, UsageError
from wizard.inert_text import inert, inert_text

_ALARM_EMAIL = "alarm_email"
LOCK_WAIT_SECONDS = 30 * 60  # a second apply on the same account waits this long for the first one


def _option_types() -> dict[str, type]:
    """Each fix option's name and the type of its value."""
    from actions.options import FixOptions

    return {f.name: (int if isinstance(f.default, int) else str) for f in dataclasses.fields(FixOptions)}


def add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    """--controls/--all-failing, --risk, and one flag per fix option (alarm e-mail, names, password values)."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--controls", help="controls to fix: 1.5,3.*,2.1-2.3")
    which.add_argument("--all-failing", action="store_true", help="every failing control that has a fix")
    parser.add_argument(
        "--risk", help="only plans of these risks: safe, disruptive, irreversible (comma-separated; default all)"
    )
    group = parser.add_argument_group("fix options (also from --config FILE)")
    group.add_argument("--alarm-email", help="e-mail address the 3.x alarms notify")
    for name, kind in _option_types().items():
        flag = "--" + name.replace("_", "-")
        group.add_argument(flag, dest=f"opt_{name}", type=kind, default=None, help=argparse.SUPPRESS)
    from wizard.accounts.command import add_account_arguments

    add_account_arguments(parser)


def session_config_types() -> dict[str, type]:
    """Every key a --config file may hold: the fix options, alarm_email, and the session's own keys."""
    from wizard.state.session_config import SESSION_KEYS

    return {**_option_types(), _ALARM_EMAIL: str, **SESSION_KEYS}


def _config_answers(args: argparse.Namespace) -> dict[str, Any]:
    config = getattr(args, "config", None)
    if not config:
        return {}
    from wizard.state.session_config import load_session_config

    return load_session_config(config, session_config_types())


def session_answers(args: argparse.Namespace) -> Any:
    """The session's answers (driver, attestation name) from --config; the whole file is validated first, so
    a bad fix option in it is rejected by every command, not only by `apply`."""
    from wizard.state.session_config import SessionAnswers

    fix_options(args)
    return SessionAnswers.from_answers(_config_answers(args))


def fix_options(args: argparse.Namespace) -> Any:
    """FixOptions from --config, then flags (flags win); invalid values fail here, before any AWS call."""
    from actions.options import FixOptions
    from wizard.state.session_config import SESSION_KEYS

    values = {k: v for k, v in _config_answers(args).items() if k not in SESSION_KEYS}
    if getattr(args, "alarm_email", None):
        values[_ALARM_EMAIL] = args.alarm_email
    for name in _option_types():
        given = getattr(args, f"opt_{name}", None)
        if given is not None:
            values[name] = given
    email = values.pop(_ALARM_EMAIL, None)
    if email:
        values.setdefault("alarm_endpoint", email)
        values.setdefault("alarm_protocol", "email")
    return FixOptions(**values)


def allowed_risks(args: argparse.Namespace) -> Any:
    from wizard.plans.confirm_rule import parse_risks

    if not getattr(args, "risk", None):
        return None
    try:
        return parse_risks(args.risk)
    except ValueError as error:
        raise UsageError(f"{error}.") from error


def selected_controls(args: argparse.Namespace) -> Any:
    from wizard.catalog import UnknownControlError, load_catalog

    if args.all_failing:
        return None
    if not args.controls:
        raise UsageError("say which controls to fix: --controls 1.5,2.* or --all-failing.")
    try:
        return load_catalog().select(args.controls)
    except UnknownControlError as error:
        raise UsageError(str(error)) from error


@dataclasses.dataclass
class Target:
    """One account to fix and what to fix in it: everything checked before any change (the flags, the options,
    then the credentials and the regions)."""

    ctx: Any
    identity: Any
    regions: list[str]
    controls: Any
    options: Any
    risks: Any

    @classmethod
    def of(cls, args: argparse.Namespace, ctx: Any = None) -> Target:
        """In `ctx` (an account reached through its role), or in the account of the command's credentials."""
        from wizard.aws.context import AwsContext
        from wizard.cli import aws_settings

        controls, options, risks = selected_controls(args), fix_options(args), allowed_risks(args)
        ctx = ctx or AwsContext(aws_settings(args))
        return cls(ctx, ctx.identity(), ctx.resolve_regions(), controls, options, risks)


def prepare(target: Target, ask: bool = False) -> Any:
    """Audit and plan. With `ask`, a plan that only lacks the alarms' e-mail asks for it and is planned again."""
    from actions.workflow import prepare_fixes

    selection = prepare_fixes(target.ctx, target.controls, target.options, target.regions)
    wants_email = any("alarm_endpoint" in plan.needs for plan in selection.refused)
    if ask and wants_email and target.options.alarm_endpoint is None:
        email = _ask_alarm_email()
        target.options = dataclasses.replace(target.options, alarm_endpoint=email, alarm_protocol="email")
        selection = prepare_fixes(target.ctx, target.controls, target.options, target.regions)
    return selection


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


def say_not_planned(not_planned: list[Any], console: Any) -> None:
    from rich.text import Text

    if not not_planned:
        return
    console.print(Text("Not fixed by this run (these controls stay failing):", style="bold yellow"))
    for item in not_planned:
        console.print(Text.assemble(("  " + item.control_id, "yellow"), ": ", inert_text(item.reason)))


def planned(target: Target) -> tuple[list[Any], Any, list[Any]]:
    """The plans `plan` prints for one account (after the risk filter), what they were made from, and the chosen
    failing controls nothing in them fixes."""
    from actions.apply_engine import allowed_by
    from actions.workflow import accept_all
    from wizard.plans.script import ScriptSource

    selection = prepare(target)
    composition = selection.compose(allowed_by(target.risks, accept_all)) if target.risks else selection.draft
    not_planned = selection.not_planned(composition)
    source = ScriptSource(
        account_id=selection.audit.identity.account_id,
        audited_at=selection.audit.started_at,
        regions=selection.audit.regions,
        not_planned=[(n.control_id, n.reason) for n in not_planned],
        profile_hint=f"profile {target.ctx.settings.profile}" if target.ctx.settings.profile else "",
    )
    return composition.plans, source, not_planned


def run_plan_command(args: argparse.Namespace) -> int:
    from wizard.cli import write_output
    from wizard.plans.script import render_plans_json, render_script

    plans, source, not_planned = planned(Target.of(args))
    render = render_plans_json if args.format == "json" else render_script
    write_output(render(plans, source), args.output)
    if sys.stderr.isatty():
        from rich.console import Console

        say_not_planned(not_planned, Console(stderr=True))
    return EXIT_OK


def _ask(plan: Any, account_id: str) -> Any:
    """Ask per plan; default No. Disruptive plans need "yes" typed; irreversible ones the account id."""
    import questionary

    from actions.workflow import Decision
    from wizard.plans.confirm_rule import prompt_for, required_typing, typed_matches

    what = ", ".join(plan.control_ids)
    if required_typing(plan.risk, account_id) is None:
        answer = questionary.confirm(prompt_for(plan.risk, account_id, what), default=False).unsafe_ask()
        return Decision(bool(answer), "yes" if answer else "no")
    typed = str(questionary.text(prompt_for(plan.risk, account_id, what)).unsafe_ask())
    return Decision(typed_matches(typed, plan.risk, account_id), f"typed {typed.strip()!r}")


@dataclasses.dataclass
class _Terminal:
    """What `apply` says while it runs, and the questions it asks."""

    console: Any
    account_id: str
    yes: bool

    def confirm(self, plan: Any) -> Any:
        from actions.workflow import Decision
        from wizard.plans.view import render_plan

        self.console.print(render_plan(plan))
        if self.yes:
            return Decision(True, "--yes")
        decision = _ask(plan, self.account_id)
        if not decision.accepted:
            self.console.print("Skipped.")
        return decision

    def reconfirm(self, old: Any, new: Any) -> Any:
        from actions.workflow import Decision
        from wizard.plans.confirm_rule import RISK_ORDER
        from wizard.plans.view import render_plan

        changed = f"The account changed since the plan for {', '.join(old.control_ids)} was made. Now:"
        self.console.print(inert_text(changed))
        self.console.print(render_plan(new))
        if not self.yes:
            return _ask(new, self.account_id)
        if RISK_ORDER.index(new.risk) > RISK_ORDER.index(old.risk):
            return Decision(False, f"--yes was given for a {old.risk.value} plan; this one is {new.risk.value}")
        return Decision(True, "--yes")

    def event(self, event: Any) -> None:
        from rich.text import Text

        from wizard.plans.executor import StepStatus

        if event.kind == "step-done" and event.outcome is not None:
            outcome = event.outcome
            failed = outcome.status is StepStatus.FAILED
            line = Text(f"{outcome.status.value:>8}  ", style="bold red" if failed else "green")
            line.append(f"[{', '.join(event.plan.control_ids)}] ", style="dim")
            line.append(inert(event.step.cli()))
            if failed:
                line.append(inert(f"\n          {outcome.error_code}: {outcome.message}"), style="red")
            self.console.print(line, highlight=False)
        elif event.kind == "waiting":
            waiting = f"waiting for {event.message}, {event.seconds:.0f} s ({', '.join(event.plan.control_ids)})"
            self.console.print(inert_text(waiting, style="yellow"))
        elif event.kind == "replanned":
            self.console.print(inert_text(f"Re-planned {event.plan.id}: {event.message}.", style="yellow"))
        elif event.kind == "plan-done" and event.result is not None and event.result.reason:
            self.console.print(inert_text(f"{event.result.plan.id}: {event.result.reason}.", style="yellow"))


def _report(report: Any, console: Any) -> None:
    from rich.text import Text

    from wizard.audit.findings import Status

    for result in report.failed:
        outcome = result.outcome
        console.print(
            Text(f"Stopped: {len(outcome.ran)} step(s) of {result.plan.id} ran before one failed.", "bold red")
        )
        if outcome.ran and result.plan.undo:
            console.print("To undo what ran, these calls put things back (those of the steps that ran):")
            for step in result.plan.undo:
                console.print(inert_text(f"  {step.cli()}"), highlight=False)
    for checked in report.verify.results if report.verify is not None else ():
        finding, style = checked.finding, "green" if checked.finding.status is Status.PASS else "red"
        line = Text.assemble(f"{checked.control.id}: ", (finding.status.value, style), " ", inert_text(finding.summary))
        console.print(line)
    say_not_planned(report.not_planned, console)
    waiting = report.waiting_for_a_person()
    if waiting:
        console.print(
            Text(
                f"To finish {', '.join(waiting)}: confirm the subscription (open the link in the e-mail AWS sent), "
                f"then verify again: cis-wizard audit --controls {','.join(waiting)}",
                style="bold yellow",
            )
        )


def dry_run(target: Target, console: Any) -> None:
    from wizard.plans.view import render_plan

    selection = prepare(target)
    for plan in selection.plans:
        console.print(render_plan(plan))
    say_not_planned(selection.not_planned(selection.draft), console)
    console.print(f"Dry run: {sum(len(p.steps) for p in selection.plans)} call(s) would be made; none were.")


def apply_to(
    target: Target,
    log_path: Path,
    console: Any,
    *,
    yes: bool,
    interactive: bool,
    alias: str | None = None,
    ask_account: Any = None,
    **session: Any,
) -> tuple[Any, Any]:
    """Plan, ask and apply in one account, holding its apply lock: (selection, report; None: nothing to apply).
    `ask_account(selection) -> Decision` is asked before any plan's (of several accounts); `session`: for the log."""
    from actions.apply_engine import ApplyRun, allowed_by
    from actions.workflow import Decision
    from wizard.audit_log.writer import AuditLog
    from wizard.plans.journal import AuditLogRecorder
    from wizard.state.apply_lock import apply_lock

    account = target.identity.account_id

    def waiting(message: str) -> None:
        console.print(inert_text(message, style="yellow"))

    with apply_lock(log_path, account, wait=LOCK_WAIT_SECONDS, waiting=waiting):
        selection = prepare(target, ask=interactive and not yes)
        if not selection.plans:
            console.print("Nothing to apply: no selected control has a fix to make.")
            say_not_planned(selection.not_planned(selection.draft), console)
            return selection, None
        terminal = _Terminal(console, account, yes)
        confirm = allowed_by(target.risks, terminal.confirm)
        whole = ask_account(selection) if ask_account is not None else None
        if whole is not None and not whole.accepted:
            refused = Decision(False, f"the account was declined ({whole.how})")
            confirm = lambda plan: refused  # noqa: E731  (every plan logged as declined; none asked, none run)
        with AuditLog.open(account, target.identity.arn, log_path, alias=alias) as log:
            run = ApplyRun(
                target.ctx,
                selection,
                AuditLogRecorder(log),
                confirm=confirm,
                reconfirm=terminal.reconfirm,
                on_event=terminal.event,
                parallel=yes,
            )
            report = run.run({"command": "apply", "regions": target.regions, **session})
    _report(report, console)
    return selection, report


def can_confirm(args: argparse.Namespace) -> bool:
    """Whether there is a terminal to confirm on (without one, only --yes or --dry-run go on)."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (args.yes or args.dry_run or interactive):
        raise UsageError("refusing to apply without a terminal to confirm on: add --yes, or --dry-run to preview.")
    return interactive


def run_apply_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from wizard.audit_log.paths import default_log_path

    interactive = can_confirm(args)
    target = Target.of(args)
    console = Console()
    if args.dry_run:
        dry_run(target, console)
        return EXIT_OK
    log_path = Path(args.log) if args.log else default_log_path(target.identity.account_id)
    driver = session_answers(args).driver
    session = {"driver": driver} if driver else {}
    selection, report = apply_to(target, log_path, console, yes=args.yes, interactive=interactive, **session)
    if report is None:
        return EXIT_FAILED if selection.not_planned(selection.draft) else EXIT_OK
    return EXIT_FAILED if report.failed or report.still_failing() else EXIT_OK
