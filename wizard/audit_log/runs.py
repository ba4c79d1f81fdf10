"""The sittings a report calls sessions: one run of the wizard or of a command, however many log sessions it
opened (the wizard opens one per apply) and with the records it wrote between them (a waiver, an attestation).

Records written since every record carries a `run` id are grouped by it. Older records are grouped the way
the log shows they were one run: consecutive sessions of the same process (the `pid` at session start) on the
same host, by the same user and caller; a record outside any session joins the run around it when it is by
the same person, else stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.audit_log.records import Kind, Record


@dataclass
class Run:
    records: list[Record] = field(default_factory=list)

    @property
    def first(self) -> Record:
        return self.records[0]

    @property
    def last(self) -> Record:
        return self.records[-1]

    @property
    def sessions(self) -> list[str]:
        return list(dict.fromkeys(r.session for r in self.records if r.session))

    @property
    def id(self) -> str:
        """The first log session's id (what `--session` takes), else the run's."""
        sessions = self.sessions
        if sessions:
            return sessions[0]
        return f"run {self.first.run}" if self.first.run else f"records {self.first.seq}-{self.last.seq}"

    @property
    def starts(self) -> list[Record]:
        return [r for r in self.records if r.kind == Kind.SESSION_START]

    @property
    def ends(self) -> list[Record]:
        return [r for r in self.records if r.kind == Kind.SESSION_END]

    def person(self) -> tuple[str, str, str]:
        return (self.first.user, self.first.host, self.first.caller)


def _pid(record: Record) -> object:
    return record.payload.get("pid") if record.kind == Kind.SESSION_START else None


def _same_person(record: Record, run: Run) -> bool:
    return (record.user, record.host, record.caller) == run.person()


def _legacy_key(record: Record, current: Run | None, pids: dict[str, object]) -> bool:
    """Whether an old record (no run id) continues the current run."""
    if current is None or not _same_person(record, current):
        return False
    if record.session is None:
        return True
    if record.session in current.sessions:
        return True
    last_pid = next((pids[s] for s in reversed(current.sessions) if s in pids), None)
    return last_pid is not None and pids.get(record.session) == last_pid


def group_runs(records: list[Record]) -> list[Run]:
    """The runs of these records, in the order they started."""
    by_run: dict[str, Run] = {}
    runs: list[Run] = []
    pids = {r.session: _pid(r) for r in records if r.session and r.kind == Kind.SESSION_START}
    current: Run | None = None
    for record in records:
        if record.run:
            run = by_run.get(record.run)
            if run is None:
                run = by_run[record.run] = Run()
                runs.append(run)
            run.records.append(record)
            current = None
            continue
        if not _legacy_key(record, current, pids):
            current = Run()
            runs.append(current)
        assert current is not None
        current.records.append(record)
    return runs
