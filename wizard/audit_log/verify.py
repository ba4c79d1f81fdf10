"""`log verify`: check the chain, every HMAC and the head anchor; name the first bad sequence number; then
check the waivers and progress beside the log against it.

Line by line, the log must hold records 1, 2, 3, ... each chaining to the one before (`prev` = SHA-256 of the
previous record's line) and each carrying a valid HMAC under the account's key. A line that is not JSON is
a torn line (an append cut short by a crash): it is reported by line number and skipped, and the chain
continues from the last good record, exactly as the writer continues it (see `storage`). Finally the head
anchor must name a record that is in the log; one past the end means records were cut off.

What each kind of tampering looks like:
* an edited field, or a forged record (right seq and prev, but signed without the key): its HMAC fails;
* a deleted record: the next one turns up where it belongs ("record 5 is missing");
* a reordered, duplicated or inserted record: a seq out of place, or an HMAC or chain that fails;
* a truncated file: the head anchor is past the last record, or missing;
* a waiver, checklist step or attestation added to the files beside the log (or edited there) without its
  signed record: named in `state_mismatches` (see `signed_state`), and the report is not intact.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wizard.audit_log import anchor
from wizard.audit_log.errors import LogUnavailableError, MissingKeyError
from wizard.audit_log.keys import LogKey, candidate_keys
from wizard.audit_log.paths import ACCOUNT_ID_PATTERN, check_account_id
from wizard.audit_log.reader import read_log_bytes, split_lines
from wizard.audit_log.records import GENESIS_HASH, Record, RecordFormatError, record_mac
from wizard.audit_log.writer import choose_key


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    account_id: str | None
    last_seq: int  # the newest record that verified, in order, before any problem (0: none)
    first_bad_seq: int | None  # the first sequence number that does not hold its genuine record
    bad_line: int | None
    log_problem: str | None  # why the log itself is not intact; None when it is
    torn_lines: tuple[int, ...]
    line_count: int
    head_seq: int | None
    key: str | None  # where the key came from
    state_mismatches: tuple[str, ...] = ()  # waiver and progress entries beside the log that it does not sign

    @property
    def records(self) -> int:
        return self.last_seq

    @property
    def problem(self) -> str | None:
        """Why the log, or the waivers and progress beside it, are not what the wizard signed; None if they are."""
        if self.log_problem is not None or not self.state_mismatches:
            return self.log_problem
        more = f" (and {len(self.state_mismatches) - 1} more)" if len(self.state_mismatches) > 1 else ""
        return f"the state beside the log does not match it: {self.state_mismatches[0].rstrip('.')}{more}."

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def torn_tail(self) -> bool:
        return bool(self.torn_lines) and self.torn_lines[-1] == self.line_count

    def headline(self) -> str:
        if self.intact:
            span = f"records 1-{self.last_seq}" if self.last_seq else "no records yet"
            return f"Audit log {self.path}: intact ({span}; chain, HMACs and head anchor verified)."
        where = f" at record {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        line = f" (line {self.bad_line})" if self.bad_line is not None else ""
        return f"Audit log {self.path}: TAMPERED{where}{line}: {self.problem}"

    def notes(self) -> list[str]:
        lines = []
        for number in self.torn_lines:
            if number == self.line_count:
                lines.append(
                    f"line {number} is a torn last line (an append cut short, e.g. by a crash); "
                    "the next append starts a new line after it."
                )
            else:
                lines.append(f"line {number} is a torn line (an append cut short); the chain continues past it.")
        lines.extend(f"not signed: {mismatch}" for mismatch in self.state_mismatches)
        if self.key:
            lines.append(f"key: {self.key}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "account_id": self.account_id,
            "intact": self.intact,
            "records": self.records,
            "last_seq": self.last_seq,
            "first_bad_seq": self.first_bad_seq,
            "bad_line": self.bad_line,
            "problem": self.problem,
            "log_intact": self.log_problem is None,
            "state_mismatches": list(self.state_mismatches),
            "torn_lines": list(self.torn_lines),
            "torn_tail": self.torn_tail,
            "head_seq": self.head_seq,
            "key": self.key,
        }


def _account_of(lines: list[bytes], head: anchor.HeadFile) -> str | None:
    """The account the log is for: from its anchor, else its first record (both are checked later)."""
    named = [head.head.account] if head.head else []
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("account"), str):
            named.append(data["account"])
            break
    return next((account for account in named if ACCOUNT_ID_PATTERN.match(account)), None)


def _pick_key(candidates: list[LogKey], head: anchor.HeadFile, lines: list[bytes]) -> LogKey:
    """The key that signed the anchor; failing that, the one that signed the first record."""
    if head.head is not None and any(head.head.signed_by(key.secret) for key in candidates):
        return choose_key(candidates, head)
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            mac = data.pop("hmac", None)
            for key in candidates:
                if isinstance(mac, str) and hmac.compare_digest(record_mac(key.secret, data), mac):
                    return key
        break
    return candidates[0]


def _line_of_seq(lines: list[bytes], seq: int, after: int) -> int | None:
    """The line number of the record numbered `seq` after line `after`, if any (reordered, not missing)."""
    marker = f'"seq":{seq},'.encode()
    for position, line in enumerate(lines[after:], start=after + 1):
        if marker in line:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("seq") == seq:
                return position
    return None


class _Chain:
    """Walks the lines, stopping at the first problem."""

    def __init__(self, account_id: str, key: bytes) -> None:
        self.account_id = account_id
        self.key = key
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.hashes: dict[int, str] = {0: GENESIS_HASH}
        self.records: list[Record] = []  # those that verified, in order
        self.torn: list[int] = []
        self.problem: str | None = None
        self.bad_seq: int | None = None
        self.bad_line: int | None = None

    def fail(self, seq: int | None, line: int | None, problem: str) -> None:
        self.bad_seq, self.bad_line, self.problem = seq, line, problem

    def check(self, number: int, line: bytes, lines: list[bytes]) -> bool:
        try:
            data = json.loads(line)
        except ValueError:
            self.torn.append(number)
            return True
        expected = self.expected_seq
        try:
            record = Record.from_dict(data)
        except RecordFormatError as error:
            self.fail(expected, number, f"line {number} is not a log record ({error}).")
            return False
        seq = data["seq"]
        if seq > expected:
            moved = _line_of_seq(lines, expected, after=number)
            if moved is not None:
                where = f"line {number} holds record {seq}, and record {expected} is on line {moved}"
                self.fail(expected, number, f"records are reordered: {where}.")
            else:
                missing = f"records {expected}-{seq - 1} are" if seq - expected > 1 else f"record {expected} is"
                self.fail(expected, number, f"{missing} missing: line {number} holds record {seq} next.")
            return False
        if seq < expected:
            self.fail(
                expected,
                number,
                f"line {number} holds record {seq} where record {expected} belongs "
                "(records reordered, duplicated or inserted).",
            )
            return False
        if data["account"] != self.account_id:
            self.fail(seq, number, f"record {seq} is for account {data['account']}, not {self.account_id}.")
            return False
        mac = data.pop("hmac")
        if not hmac.compare_digest(record_mac(self.key, data), mac):
            self.fail(seq, number, f"record {seq} fails its HMAC: it was edited, or written without the log's key.")
            return False
        if data["prev"] != self.prev_hash:
            self.fail(
                seq,
                number,
                f"record {seq} does not chain to record {seq - 1}: a record before it was changed, "
                "removed or replaced.",
            )
            return False
        self.prev_hash = hashlib.sha256(line).hexdigest()
        self.hashes[seq] = self.prev_hash
        self.expected_seq = seq + 1
        self.records.append(record)
        return True

    def check_head(self, head: anchor.HeadFile, has_lines: bool) -> None:
        last = self.expected_seq - 1
        if head.head is None:
            if head.exists:
                self.fail(None, None, f"the head anchor {head.path} is damaged; records may have been cut off.")
            elif has_lines:
                self.fail(None, None, f"the head anchor {head.path} is missing; records may have been cut off.")
            return
        found = head.head
        if not found.signed_by(self.key) or found.account != self.account_id:
            self.fail(None, None, f"the head anchor {head.path} was not written with the log's key.")
        elif found.seq > last:
            cut = f"records {last + 1}-{found.seq} were" if found.seq > last + 1 else f"record {found.seq} was"
            self.fail(last + 1, None, f"the log ends at record {last}, but {cut} written: the file was truncated.")
        elif self.hashes.get(found.seq) != found.hash:
            self.fail(found.seq, None, f"record {found.seq} is not the record the head anchor was written for.")


def read_verified(path: Path, account_id: str | None = None) -> tuple[VerifyReport, list[Record]]:
    """The chain, HMACs and anchor checked, and the records that verified (up to the first bad one).
    Raises LogUnavailableError (no log) or MissingKeyError (nothing to check with)."""
    lines = split_lines(read_log_bytes(path))
    head = anchor.read_head(path)
    account = check_account_id(account_id) if account_id else _account_of(lines, head)
    if account is None:
        if not lines and not head.exists:  # created, nothing written yet: nothing to check
            return VerifyReport(path, None, 0, None, None, None, (), 0, None, None), []
        raise LogUnavailableError(f"{path} is not a cis-wizard audit log (no record names an AWS account).")
    candidates = candidate_keys(account, path)
    if not candidates:
        raise MissingKeyError(
            f"No audit-log key for account {account} in the OS keyring or beside the log: the HMACs cannot be checked."
        )
    key = _pick_key(candidates, head, lines)
    chain = _Chain(account, key.secret)
    for number, line in enumerate(lines, start=1):
        if not chain.check(number, line, lines):
            break
    if chain.problem is None:
        chain.check_head(head, has_lines=bool(lines))
    report = VerifyReport(
        path=path,
        account_id=account,
        last_seq=chain.expected_seq - 1,
        first_bad_seq=chain.bad_seq,
        bad_line=chain.bad_line,
        log_problem=chain.problem,
        torn_lines=tuple(chain.torn),
        line_count=len(lines),
        head_seq=head.head.seq if head.head else None,
        key=key.location,
    )
    return report, chain.records


def _state_mismatches(report: VerifyReport, records: list[Record]) -> list[str]:
    """What the waivers and progress files beside the log hold that the signed log does not."""
    from wizard.audit_log.signed_state import SignedState
    from wizard.state.files import StateFileError
    from wizard.state.progress import SessionProgress
    from wizard.state.waivers import WaiverBook

    assert report.account_id is not None
    signed = SignedState.from_records(records, report.log_problem)
    found: list[str] = []
    for load in (WaiverBook.load, SessionProgress.load):
        try:
            found.extend(load(report.account_id, report.path, signed=signed).rejected)
        except StateFileError as error:
            found.append(str(error))
    return found


def verify_log(path: Path, account_id: str | None = None) -> VerifyReport:
    """Verify the whole log, and the waivers and progress beside it against it. Raises LogUnavailableError
    (no log) or MissingKeyError (nothing to check with)."""
    report, records = read_verified(path, account_id)
    if report.account_id is None:
        return report
    return replace(report, state_mismatches=tuple(_state_mismatches(report, records)))
