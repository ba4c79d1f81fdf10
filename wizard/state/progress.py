"""Where an onboarding session stands, per account, so the wizard reopens at the next unresolved control.

Kept beside the audit log (`<log>.progress.json`, 0600, replaced atomically, changed under a lock), shared by
the TUI and `cis-wizard checklist`: the checklist steps marked done, the attestations given (with what they
covered), the last control opened and who drove.

    progress = SessionProgress.load(account_id, log_path)
    progress.visit("1.14")                               # the control on screen now
    progress.mark_step_done("1.14", "assign-hardware")
    next_unresolved(findings, progress, waivers=book.waivers)   # -> "1.15", or None when all are resolved

A control is resolved when its finding passes (PASS, or NOT_APPLICABLE), when an unexpired waiver covers it,
or when an attestation covers its finding as it is now: the same status (and error code), and no open
resource the person did not see when attesting (a new peering route reopens 4.4). The audit log stays the
record of who did what; this file is only where to pick up, and it is trusted only as far as the log signs
it: a step counts when a signed `step-done` record of that time follows the checklist's last restart, an
attestation when it is the control's newest signed `attestation` record. Any other entry is ignored and
named in `progress.rejected` (and by `log verify`).
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from wizard.audit.findings import Finding, Status
from wizard.audit_log.paths import check_account_id, default_log_path
from wizard.audit_log.records import Record, utc_timestamp
from wizard.audit_log.signed_state import SignedState, read_signed_state, signed_entries
from wizard.catalog import control_id_key
from wizard.state.files import StateFileError, locked, read_json_object, sibling_path, write_json_atomically
from wizard.state.waivers import Waiver, utc_today

FILE_VERSION: Final = 1
WHAT: Final = "session progress file"
PASSING: Final = frozenset({Status.PASS, Status.NOT_APPLICABLE})


def progress_path(account_id: str, log_path: Path | None = None) -> Path:
    """`<log>.progress.json` beside the account's audit log."""
    return sibling_path(log_path or default_log_path(check_account_id(account_id)), "progress.json")


def open_resource_ids(finding: Finding) -> tuple[str, ...]:
    """The resources a person still has to act on or look at: every one that neither passes nor is N/A."""
    return tuple(r.id for r in finding.resources if r.status not in PASSING)


@dataclass(frozen=True)
class Attested:
    """An attestation, and the finding it was given over."""

    by: str  # the person's name
    statement: str
    at: str  # UTC, the log record's time
    seq: int | None  # the attestation record in the audit log
    status: str  # the finding's status then: "MANUAL" (1.15, 4.4) or "ERROR" (1.17 without its API)
    error_code: str | None
    resources: tuple[str, ...]  # the open resources shown then (4.4's peering routes)

    def covers(self, finding: Finding) -> bool:
        """True while the finding is what was attested: same status and code, no open resource unseen."""
        if finding.status.value != self.status or (finding.error_code or None) != self.error_code:
            return False
        return set(open_resource_ids(finding)) <= set(self.resources)

    @classmethod
    def from_record(cls, record: Record) -> Attested | None:
        """The attestation a signed `attestation` record holds (None when it does not read as one)."""
        payload = record.payload
        finding = payload.get("finding")
        if not isinstance(finding, dict):
            return None
        shown = finding.get("resources")
        opened = payload.get("open_resources")  # every open resource, where the record lists them
        if not isinstance(opened, list) and isinstance(shown, list):
            opened = [r.get("id") for r in shown if isinstance(r, dict) and r.get("status") not in PASSING]
        signed = {
            "by": payload.get("by"),
            "statement": payload.get("statement"),
            "at": record.time,
            "seq": record.seq,
            "status": finding.get("status"),
            "error_code": finding.get("error_code"),
            "resources": opened,
        }
        try:
            return cls.from_dict(signed, f"record {record.seq}")
        except StateFileError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "resources": list(self.resources)}  # every field; in JSON a list

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Attested:
        if not isinstance(data, dict):
            raise StateFileError(f"{where}: 'attested' is not an object; fix or move the file away.")
        texts = [data.get(name) for name in ("by", "statement", "at", "status")]
        resources = data.get("resources", [])
        seq, code = data.get("seq"), data.get("error_code")
        if (
            not all(isinstance(text, str) for text in texts)
            or not isinstance(resources, list)
            or not all(isinstance(r, str) for r in resources)
            or (seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)))
            or (code is not None and not isinstance(code, str))
        ):
            raise StateFileError(f"{where}: 'attested' is malformed; fix or move the file away.")
        by, statement, at, status = (str(text) for text in texts)
        return cls(by, statement, at, seq, status, code, tuple(resources))


@dataclass
class ControlProgress:
    steps_done: dict[str, str] = field(default_factory=dict)  # step id -> when it was marked done (UTC)
    attested: Attested | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"steps_done": dict(self.steps_done), "attested": self.attested.to_dict() if self.attested else None}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> ControlProgress:
        if not isinstance(data, dict):
            raise StateFileError(f"{where} is not an object; fix or move the file away.")
        steps = data.get("steps_done", {})
        if not isinstance(steps, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in steps.items()):
            raise StateFileError(f"{where}: 'steps_done' must map step ids to times; fix or move the file away.")
        attested = data.get("attested")
        return cls(dict(steps), Attested.from_dict(attested, where) if attested is not None else None)


def _signed_steps(
    control_id: str, entry: ControlProgress, signed: SignedState, path: Path
) -> tuple[dict[str, str], list[str]]:
    logged = signed.steps.get(control_id, {})
    kept = {step: when for step, when in entry.steps_done.items() if when in logged.get(step, ())}
    rejected = [
        f"step {step!r} of {control_id} in {path} is ignored: "
        + signed.unsigned(f"marks it done at {when} since the checklist last restarted")
        + "."
        for step, when in entry.steps_done.items()
        if step not in kept
    ]
    return kept, rejected


def _signed_attestation(
    control_id: str, entry: ControlProgress, signed: SignedState, path: Path
) -> tuple[Attested | None, list[str]]:
    if entry.attested is None:
        return None, []
    record = signed.attestations.get(control_id)
    if record is None:
        why = signed.unsigned("attests it")
    elif entry.attested.seq != record.seq:
        why = SignedState.not_newest(entry.attested.seq, record)
    elif entry.attested != Attested.from_record(record):
        why = f"it is not what record {record.seq} attests"
    else:
        return entry.attested, []
    return None, [f"the attestation of {control_id} in {path} is ignored: {why}."]


def signed_progress(
    controls: Mapping[str, ControlProgress], signed: SignedState, path: Path
) -> tuple[dict[str, ControlProgress], tuple[str, ...]]:
    """(the steps and attestations of the file that the log signs; why each other one is ignored)."""

    def signed_part(control_id: str, entry: ControlProgress) -> tuple[ControlProgress, list[str]]:
        steps, ignored_steps = _signed_steps(control_id, entry, signed, path)
        attested, ignored_attestation = _signed_attestation(control_id, entry, signed, path)
        return ControlProgress(steps, attested), ignored_steps + ignored_attestation

    return signed_entries(controls, signed_part)


class Resolution(enum.StrEnum):
    """How a control stands for the session (not the audit: a waived or attested control keeps its status)."""

    PASSES = "passes"
    WAIVED = "waived"
    ATTESTED = "attested"
    OPEN = "open"


class SessionProgress:
    """One account's session progress. Reads are of the state when loaded or last changed; every change
    re-reads the file under its lock, applies itself and writes the file back, so two wizards on one account
    do not undo each other's steps."""

    def __init__(self, account_id: str, path: Path, log_path: Path | None = None) -> None:
        self.account_id = account_id
        self.path = path
        self.log_path = log_path or default_log_path(account_id)
        self.rejected: tuple[str, ...] = ()  # entries of the file the log does not sign, and why
        self.last_control: str | None = None
        self.driver: str | None = None
        self.updated_at: str | None = None
        self.controls: dict[str, ControlProgress] = {}
        self._thread_lock = threading.RLock()  # a screen and its worker thread may share this object

    @classmethod
    def load(
        cls, account_id: str, log_path: Path | None = None, *, signed: SignedState | None = None
    ) -> SessionProgress:
        """The account's progress, as far as the log signs it. `signed`: the log's signed state, when the
        caller has just verified it."""
        check_account_id(account_id)
        progress = cls(account_id, progress_path(account_id, log_path), log_path)
        progress._reload(signed)
        return progress

    # -- reading -------------------------------------------------------------------------------------------
    def steps_done(self, control_id: str) -> dict[str, str]:
        """Step id -> when it was marked done (UTC text)."""
        with self._thread_lock:
            entry = self.controls.get(control_id)
            return dict(entry.steps_done) if entry else {}

    def attestation(self, control_id: str) -> Attested | None:
        with self._thread_lock:
            entry = self.controls.get(control_id)
            return entry.attested if entry else None

    # -- changes -------------------------------------------------------------------------------------------
    def visit(self, control_id: str, driver: str | None = None) -> None:
        """The control now open (and, in an onboarding session, who drives): where the next run starts."""

        def change() -> None:
            self.last_control = control_id
            if driver:
                self.driver = driver

        self._change(change)

    def mark_step_done(self, control_id: str, step_id: str, when: dt.datetime | None = None) -> None:
        moment = utc_timestamp(when or dt.datetime.now(dt.UTC))

        def change() -> None:
            self.controls.setdefault(control_id, ControlProgress()).steps_done.setdefault(step_id, moment)

        self._change(change)

    def record_attestation(self, control_id: str, attested: Attested) -> None:
        def change() -> None:
            self.controls.setdefault(control_id, ControlProgress()).attested = attested

        self._change(change)

    def restart(self, control_id: str) -> None:
        """Forget a checklist's steps (its attestation stays: that is on record)."""

        def change() -> None:
            entry = self.controls.get(control_id)
            if entry is not None:
                entry.steps_done.clear()

        self._change(change)

    # -- the file ------------------------------------------------------------------------------------------
    def _change(self, apply: Callable[[], object]) -> None:
        with self._thread_lock, locked(self.path, WHAT):
            self._reload()
            apply()
            self.updated_at = utc_timestamp(dt.datetime.now(dt.UTC))
            write_json_atomically(self.path, self._to_dict(), WHAT)

    def _to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.controls, key=control_id_key)
        return {
            "version": FILE_VERSION,
            "account": self.account_id,
            "updated_at": self.updated_at,
            "last_control": self.last_control,
            "driver": self.driver,
            "controls": {cid: self.controls[cid].to_dict() for cid in ordered},
        }

    def _reload(self, signed: SignedState | None = None) -> None:
        data = read_json_object(self.path, WHAT)
        if data is None:
            return
        where = f"The {WHAT} {self.path}"
        if data.get("version") != FILE_VERSION:
            raise StateFileError(f"{where} has version {data.get('version')!r}; this wizard reads {FILE_VERSION}.")
        if data.get("account") != self.account_id:
            raise StateFileError(f"{where} belongs to account {data.get('account')!r}, not {self.account_id}.")
        controls = data.get("controls", {})
        if not isinstance(controls, dict):
            raise StateFileError(f"{where} has no 'controls' object; fix or move it away.")
        for name in ("last_control", "driver", "updated_at"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise StateFileError(f"{where}: {name} is not text; fix or move it away.")
        self.last_control = data.get("last_control")
        self.driver = data.get("driver")
        self.updated_at = data.get("updated_at")
        cached = {
            str(cid): ControlProgress.from_dict(entry, f"{where}, control {cid}") for cid, entry in controls.items()
        }
        if signed is None and any(entry.steps_done or entry.attested for entry in cached.values()):
            signed = read_signed_state(self.log_path, self.account_id)
        self.controls, self.rejected = signed_progress(cached, signed or SignedState(), self.path)


def resolution(
    finding: Finding,
    progress: SessionProgress,
    *,
    waivers: Mapping[str, Waiver] | None = None,
    today: dt.date | None = None,
) -> Resolution:
    """How `finding`'s control stands: passes, waived (unexpired), attested (and still covered), or open."""
    if finding.status in PASSING:
        return Resolution.PASSES
    waiver = (waivers or {}).get(finding.control_id)
    if waiver is not None and not waiver.is_expired(today or utc_today()):
        return Resolution.WAIVED
    attested = progress.attestation(finding.control_id)
    if attested is not None and attested.covers(finding):
        return Resolution.ATTESTED
    return Resolution.OPEN


def next_unresolved(
    findings: Mapping[str, Finding],
    state: SessionProgress,
    *,
    waivers: Mapping[str, Waiver] | None = None,
    today: dt.date | None = None,
) -> str | None:
    """The control the session should reopen at: the first open one in benchmark order, starting at the last
    control opened (itself included, so a checklist left half-way reopens) and wrapping around; None when
    every control in `findings` is resolved."""
    ordered = sorted(findings, key=control_id_key)
    if state.last_control is not None and state.last_control in findings:
        start = ordered.index(state.last_control)
        ordered = ordered[start:] + ordered[:start]
    day = today or utc_today()
    for control_id in ordered:
        if resolution(findings[control_id], state, waivers=waivers, today=day) is Resolution.OPEN:
            return control_id
    return None
