"""Walk a log's lines in order, stopping at the first record that is not genuine, then hold what was found
against the signed head and checkpoints. `verify` builds the report from it.

A record is checked with what is at hand: its HMAC with the account's key (where the key is here), its
Ed25519 signature with the log's public key (where it has one: every record written since logs are signed).
A record with neither check (an old unsigned record read with only the public key) is vouched for by the chain:
the next signed record or checkpoint covers its hash. Where nothing covers it, the walk says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from wizard.audit_log.checkpoints import Checkpoint
from wizard.audit_log.records import GENESIS_HASH, Record, RecordFormatError, record_mac, signature_message
from wizard.audit_log.signing import PublicKey


@dataclass(frozen=True)
class Keys:
    """What the records are checked with: the HMAC key, the public key, or both."""

    hmac_key: bytes | None
    public: PublicKey | None


def line_of_seq(lines: list[bytes], seq: int, after: int) -> int | None:
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


@dataclass
class Chain:
    """Walks the lines, stopping at the first problem."""

    account_id: str
    keys: Keys
    expected_seq: int = 1
    prev_hash: str = GENESIS_HASH
    hashes: dict[int, str] = field(default_factory=lambda: {0: GENESIS_HASH})
    records: list[Record] = field(default_factory=list)  # those that verified, in order
    torn: list[int] = field(default_factory=list)
    signed: int = 0  # records whose signature was checked
    unchecked_since: int | None = None  # the first of the records after the last checked one (none: None)
    problem: str | None = None
    bad_seq: int | None = None
    bad_line: int | None = None

    @property
    def last(self) -> int:
        return self.expected_seq - 1

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
        if not self._in_place(data["seq"], number, lines) or not self._authentic(data, number):
            return False
        seq = data["seq"]
        if data["prev"] != self.prev_hash:
            if self.unchecked_since is not None and self.unchecked_since <= seq - 1:
                # The record before was vouched for only by this link: it is the one not as it was written.
                self.fail(
                    seq - 1,
                    number - 1,
                    f"record {seq - 1} is not the record that record {seq} was chained to: "
                    "it was edited, removed or replaced.",
                )
            else:
                self.fail(
                    seq,
                    number,
                    f"record {seq} does not chain to record {seq - 1}: a record before it was "
                    "changed, removed or replaced.",
                )
            return False
        self.prev_hash = hashlib.sha256(line).hexdigest()
        self.hashes[seq] = self.prev_hash
        self.expected_seq = seq + 1
        self.records.append(record)
        return True

    def _in_place(self, seq: int, number: int, lines: list[bytes]) -> bool:
        expected = self.expected_seq
        if seq > expected:
            moved = line_of_seq(lines, expected, after=number)
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
        return True

    def _authentic(self, data: dict[str, object], number: int) -> bool:
        seq = int(str(data["seq"]))
        if data["account"] != self.account_id:
            self.fail(seq, number, f"record {seq} is for account {data['account']}, not {self.account_id}.")
            return False
        mac, sig = data.pop("hmac"), data.pop("sig", None)
        key, public = self.keys.hmac_key, self.keys.public
        if key is not None and not hmac.compare_digest(record_mac(key, data), str(mac)):
            self.fail(seq, number, f"record {seq} fails its HMAC: it was edited, or written without the log's key.")
            return False
        if sig is not None and public is not None:
            if not isinstance(sig, str) or not public.verify(sig, signature_message(data)):
                self.fail(
                    seq,
                    number,
                    f"record {seq} fails its signature: it was edited, or signed with another "
                    f"key than the log's ({public.fingerprint}).",
                )
                return False
            self.signed += 1
            self.unchecked_since = None
        elif key is None:
            self.unchecked_since = self.unchecked_since or seq
        return True

    def covered_by(self, seq: int) -> None:
        """A genuine checkpoint of record `seq`: every record up to it is vouched for."""
        if self.unchecked_since is not None and self.unchecked_since <= seq:
            self.unchecked_since = None

    def check_checkpoint(self, checkpoint: Checkpoint, where: str) -> bool:
        """Does the log still hold, and extend, what this (signed) checkpoint saw?"""
        last = self.last
        if checkpoint.account != self.account_id:
            self.fail(None, None, f"{where} is a checkpoint of account {checkpoint.account}, not {self.account_id}.")
        elif checkpoint.seq > last:
            cut = f"records {last + 1}-{checkpoint.seq} are" if checkpoint.seq > last + 1 else f"record {last + 1} is"
            self.fail(
                last + 1,
                None,
                f"the log ends at record {last}, but {where} holds a signed checkpoint of "
                f"{checkpoint.describe()}: {cut} gone (the log was cut, or rolled back).",
            )
        elif self.hashes.get(checkpoint.seq) != checkpoint.hash:
            self.fail(
                checkpoint.seq,
                None,
                f"record {checkpoint.seq} is not the record {where} signed "
                f"({checkpoint.describe()}): the log was rewritten from there or before.",
            )
        else:
            self.covered_by(checkpoint.seq)
            return True
        return False
