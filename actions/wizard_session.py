"""What the wizard knows during one run: the connection, the audit before and the verdicts since, the log.

Plain Python, no widgets: the screens read it, and thread workers call its methods (which block on AWS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.options import FixOptions
from wizard.audit.findings import Finding, Status
from wizard.audit.run import AuditProgress, AuditResult
from wizard.aws.context import AwsContext, AwsSettings, CallerIdentity
from wizard.catalog import Control, load_catalog
from wizard.collectors.inventory import SERVICES_IN_EVERY_REGION
from wizard.plans.model import Plan

if TYPE_CHECKING:
    from actions.checklists.run import ChecklistRun


@dataclass(frozen=True)
class Connection:
    ctx: AwsContext
    identity: CallerIdentity
    alias: str | None
    regions: list[str]


@dataclass(frozen=True)
class ControlFix:
    """A control's fresh finding and the plans that would fix it (empty when none applies)."""

    finding: Finding
    plans: list[Plan]
    refused: list[Plan]
    selection: Any = None  # the FixSelection the plans came from (what the apply engine runs)


def connect(settings: AwsSettings, session: Any = None) -> Connection:
    """Prove the credentials, name the account, resolve the regions (blocking; run in a worker)."""
    ctx = AwsContext(settings, session=session)
    ctx.prepare_clients(SERVICES_IN_EVERY_REGION, ctx.regions_known_now())  # while the first call waits
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="alias") as pool:
        alias = pool.submit(account_alias, ctx)  # on its way beside the identity's call, not after it
        identity = ctx.identity()
        return Connection(ctx, identity, alias.result(), ctx.resolve_regions())


def account_alias(ctx: AwsContext) -> str | None:
    """The account's alias, or None (also when it cannot be read: an alias is a nicety, and AccessDenied on
    iam:ListAccountAliases must not stop the wizard)."""
    try:
        aliases = ctx.client("iam").list_account_aliases().get("AccountAliases", [])
    except Exception:
        return None
    return aliases[0] if aliases else None


def sandbox_session(sandbox: Any, log_path: Path | None, endpoint_url: str | None = None) -> WizardSession:
    """A session on the running sandbox account, in all its regions; through `endpoint_url` when given (a proxy
    in front of the sandbox), else at the sandbox's own endpoint. Blocking: run in a worker."""
    settings = AwsSettings(
        region=sandbox.home_region,
        regions=",".join(sandbox.regions),
        endpoint_url=endpoint_url or sandbox.endpoint_url,
    )
    return WizardSession(connect(settings, sandbox.session()), sandbox=True, log_path=log_path)


@dataclass
class WizardSession:
    connection: Connection
    sandbox: bool = False
    log_path: Path | None = None
    options: FixOptions = field(default_factory=FixOptions)
    before: AuditResult | None = None
    current: dict[str, Finding] = field(default_factory=dict)
    waivers: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # said once by the log (e.g. no keyring): shown as toasts
    changed_since: datetime | None = None  # when this run first changed the account (reports older than that lag)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _log: Any = None
    _told: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ctx(self) -> AwsContext:
        return self.connection.ctx

    @property
    def account_id(self) -> str:
        return self.connection.identity.account_id

    def controls(self) -> list[Control]:
        return list(load_catalog())

    def status(self, control_id: str) -> Status | None:
        finding = self.current.get(control_id)
        return finding.status if finding else None

    def run_audit(
        self, progress: Callable[[AuditProgress], object] | None = None, cancel: threading.Event | None = None
    ) -> AuditResult:
        from wizard.audit.run import run_audit

        result = run_audit(
            self.ctx,
            self.controls(),
            self.connection.regions,
            progress=progress,
            cancel=cancel,
            changed_since=self.changed_since or self._logged_change(),
        )
        self.before = self.before or result
        self.current = {r.control.id: r.finding for r in result.results}
        return result

    def _logged_change(self) -> datetime | None:
        """When the audit log last recorded a change to this account (by this or an earlier run)."""
        from wizard.audit_log.paths import default_log_path
        from wizard.audit_log.reader import last_change_time

        try:
            return last_change_time(self.log_path or default_log_path(self.account_id))
        except Exception:  # a convenience: the audit stands without it
            return None

    def score(self, findings: dict[str, Finding] | None = None) -> tuple[int, int]:
        findings = self.current if findings is None else findings
        return sum(f.status is Status.PASS for f in findings.values()), len(findings)

    def before_findings(self) -> dict[str, Finding]:
        return {r.control.id: r.finding for r in self.before.results} if self.before else {}

    def prepare_fix(self, control_id: str) -> ControlFix:
        """Audit the control (and its prerequisites) afresh and build its plans."""
        from actions.workflow import prepare_fixes

        control = load_catalog().get(control_id)
        selection = prepare_fixes(self.ctx, [control], self.options, self.connection.regions, self.changed_since)
        for result in selection.audit.results:
            self.current[result.control.id] = result.finding
        return ControlFix(selection.audit.finding(control_id), selection.plans, selection.refused, selection)

    def audit_log(self) -> Any:
        from wizard.audit_log.writer import AuditLog

        with self._lock:
            if self._log is None:
                identity = self.connection.identity
                self._log = AuditLog.open(identity.account_id, identity.arn, self.log_path, notice=self.notices.append)
            return self._log

    def apply(
        self,
        selection: Any,
        confirm: Callable[[Plan], Any],
        on_event: Callable[[Any], object] | None = None,
        reconfirm: Callable[[Plan, Plan], Any] | None = None,
    ) -> Any:
        """Run the plans `confirm` accepts, through the one apply engine (each plan read again before it runs,
        every call in the audit log), then verify; the new verdicts replace the current ones."""
        from actions.apply_engine import ApplyRun
        from wizard.plans.journal import AuditLogRecorder
        from wizard.state.apply_lock import apply_lock

        log = self.audit_log()
        self.changed_since = self.changed_since or datetime.now(UTC)
        with apply_lock(log.path, self.account_id):
            run = ApplyRun(
                self.ctx,
                selection,
                AuditLogRecorder(log),
                confirm=confirm,
                reconfirm=reconfirm,
                on_event=on_event,
            )
            report = run.run({"command": "tui", "sandbox": self.sandbox})
        if report.verify is not None:
            for result in report.verify.results:
                self.current[result.control.id] = result.finding
        return report

    def verify(self, control_ids: list[str]) -> AuditResult:
        """Check these controls again with fresh reads (after a person did their part: a confirmed e-mail)."""
        from actions.workflow import verify_controls

        result = verify_controls(self.ctx, control_ids, self.connection.regions, self.changed_since)
        for checked in result.results:
            self.current[checked.control.id] = checked.finding
        return result

    def prepare_all(self) -> Any:
        """Audit every control afresh and plan every failing one that has a fix (for Fix all)."""
        from actions.workflow import prepare_fixes

        selection = prepare_fixes(self.ctx, None, self.options, self.connection.regions, self.changed_since)
        for result in selection.audit.results:
            self.current[result.control.id] = result.finding
        return selection

    def record_cancel(self, plans: list[Plan]) -> None:
        from wizard.plans.journal import record_confirm

        log = self.audit_log()
        for plan in plans:
            record_confirm(log, plan, "no", "cancelled at the confirm")

    def waiver_book(self) -> Any:
        """The account's waivers (kept beside the log, shared with `cis-wizard audit` and `checklist`)."""
        from wizard.state.waivers import WaiverBook

        book = WaiverBook.load(self.account_id, self.log_path)
        self._tell_once(book.rejected)
        return book

    def refresh_waivers(self) -> None:
        """Waivers in force, for the overview; lapsed ones are recorded as expired in the log."""
        from wizard.state.waivers import utc_today

        book = self.waiver_book()
        if book.due_for_expiry(utc_today()):
            book.expire_due(self.audit_log())
        today = utc_today()
        self.waivers = {c: w.marker(today) for c, w in book.waivers.items() if not w.is_expired(today)}

    def progress(self) -> Any:
        from wizard.state.progress import SessionProgress

        progress = SessionProgress.load(self.account_id, self.log_path)
        self._tell_once(progress.rejected)
        return progress

    def checklist_run(self, control_id: str) -> ChecklistRun:
        """The control's checklist, worked through on this account and its log (remembered as the session's place)."""
        from actions.checklists.run import ChecklistRun

        return ChecklistRun.open(
            control_id,
            ctx=self.ctx,
            regions=self.connection.regions,
            log=self.audit_log(),
            progress=self.progress(),
        )

    def _tell_once(self, messages: Any) -> None:
        """Entries of the waiver or progress file that the signed log does not back: shown once, as toasts."""
        for message in messages or ():
            if message not in self._told:
                self._told.add(message)
                self.notices.append(message)

    def resume_point(self) -> str | None:
        """Where this account's session left off: the first unresolved control from the last one opened."""
        from wizard.state.progress import next_unresolved

        return next_unresolved(self.current, self.progress(), waivers=self.waiver_book().waivers)

    def visit(self, control_id: str) -> None:
        """Remember the control now open, so the next run reopens here."""
        self.progress().visit(control_id)

    def record_audit(self) -> None:
        """One signed record of every control's status after an audit: what the next session compares with."""
        from wizard.audit_log.records import Kind

        statuses = {control_id: finding.status.value for control_id, finding in self.current.items()}
        counts = ", ".join(f"{sum(v == s.value for v in statuses.values())} {s.value}" for s in Status)
        self.audit_log().record(Kind.FINDING, {"summary": f"audit: {counts}", "statuses": statuses})

    def changes_since_last_session(self) -> str:
        """What changed since the last session's audit of this account, by its signed record; "" if nothing
        was recorded (a first session, a new demo) or the log cannot be checked."""
        from wizard.audit_log.paths import default_log_path
        from wizard.audit_log.verify import read_verified

        try:
            _, records = read_verified(self.log_path or default_log_path(self.account_id), self.account_id)
        except Exception:  # no log, or no key: nothing to compare with
            return ""
        started = self.started_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
        earlier = [r for r in records if r.kind == "finding" and "statuses" in r.payload and r.time < started]
        if not earlier:
            return ""
        before: dict[str, str] = earlier[-1].payload["statuses"]
        changed = [
            f"{c} {before[c]} → {self.current[c].status.value}"
            for c in before
            if c in self.current and self.current[c].status.value != before[c]
        ]
        when = earlier[-1].time[:10]
        return f"Since {when}: " + ("; ".join(changed) if changed else "no control changed status.")

    def carry_over(self, previous: WizardSession) -> None:
        """Reconnected: to the same account, keep the earlier session's baseline and what this run changed."""
        if previous.account_id == self.account_id and previous.log_path == self.log_path:
            self.before = previous.before
            self.changed_since = previous.changed_since
            self.options = previous.options

    def take_notices(self) -> list[str]:
        taken, self.notices[:] = list(self.notices), []
        return taken

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
