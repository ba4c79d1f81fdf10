"""What the signed log says about waivers and checklist progress, against which the files beside it are read.

The waivers file and the progress file are caches the wizard writes after it logs a grant, a step or an
attestation; whoever can write beside the log could add to them, but cannot sign a record. So an entry of
those files counts only when it matches the log: the newest `waiver` record (granted|changed) of its control,
the newest `attestation` record, a `step-done` record of that step and time since the checklist last
restarted. Only records of the verified part of the log count (up to the first problem `verify` finds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from wizard.audit_log.errors import LogUnavailableError, MissingKeyError
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.verify import read_verified


@dataclass(frozen=True)
class SignedState:
    grants: Mapping[str, Record] = field(default_factory=dict)  # control -> its newest granted|changed waiver
    expiries: Mapping[int, Record] = field(default_factory=dict)  # seq of a grant -> the record of its expiry
    attestations: Mapping[str, Record] = field(default_factory=dict)  # control -> its newest attestation
    steps: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)  # control -> step -> times
    problem: str | None = None  # why records after some point, or all, could not be trusted

    @classmethod
    def from_records(cls, records: Iterable[Record], problem: str | None = None) -> SignedState:
        grants: dict[str, Record] = {}
        expiries: dict[int, Record] = {}
        attestations: dict[str, Record] = {}
        steps: dict[str, dict[str, set[str]]] = {}
        for record in records:
            control, action = record.control, record.payload.get("action")
            if control is None:
                continue
            if record.kind == Kind.WAIVER and action in ("granted", "changed"):
                grants[control] = record
            elif record.kind == Kind.WAIVER and action == "expired":
                granted_seq = record.payload.get("granted_seq")
                if isinstance(granted_seq, int):
                    expiries[granted_seq] = record
            elif record.kind == Kind.ATTESTATION:
                attestations[control] = record
            elif record.kind == Kind.CHECKLIST and action == "restarted":
                steps.pop(control, None)
            elif record.kind == Kind.CHECKLIST and action == "step-done":
                step = record.payload.get("step")
                if isinstance(step, str):
                    steps.setdefault(control, {}).setdefault(step, set()).add(record.time)
        frozen = {control: {step: frozenset(times) for step, times in done.items()} for control, done in steps.items()}
        return cls(grants, expiries, attestations, frozen, problem)

    @staticmethod
    def not_newest(named: int | None, newest: Record) -> str:
        """Why an entry naming record `named` is not the control's newest signed record of its kind."""
        return (
            f"it names record {named}, but the newest signed {newest.kind} of {newest.control} is record {newest.seq}"
        )

    def unsigned(self, what: str) -> str:
        """Why `what` has no signed record, with the reason records could not be trusted, if any."""
        return f"no signed record of the log {what}" + (f" ({self.problem})" if self.problem else "")


E = TypeVar("E")


def signed_entries(
    entries: Mapping[str, E], signed_part: Callable[[str, E], tuple[E | None, list[str]]]
) -> tuple[dict[str, E], tuple[str, ...]]:
    """A cache file's entries (control -> entry) as far as the log signs them: signed_part(control, entry) says
    what of the entry counts (None: nothing) and why each other part is ignored. Returns (what counts, by
    control; every reason)."""
    trusted: dict[str, E] = {}
    rejected: list[str] = []
    for control_id, entry in entries.items():
        kept, ignored = signed_part(control_id, entry)
        if kept is not None:
            trusted[control_id] = kept
        rejected += ignored
    return trusted, tuple(rejected)


def read_signed_state(log_path: Path, account_id: str) -> SignedState:
    """The signed state of the account's log; empty (with the reason) when there is no log or no key."""
    try:
        report, records = read_verified(log_path, account_id)
    except (LogUnavailableError, MissingKeyError) as error:
        return SignedState(problem=str(error).rstrip("."))
    return SignedState.from_records(records, report.log_problem)
