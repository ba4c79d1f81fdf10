"""`log verify`: check the chain, every HMAC and signature, the head anchor and the signed checkpoints; name the
first bad sequence number; then check the waivers and progress beside the log against it.

Line by line, the log must hold records 1, 2, 3, ... each chaining to the one before (`prev` = SHA-256 of the
previous record's line) and each genuine: its HMAC under the account's key where that key is here, its
Ed25519 signature under the log's public key where the record is signed (see `chain`). A line that is not
JSON is a torn line (an append cut short by a crash): it is reported by line number and skipped, and the
chain continues from the last good record, exactly as the writer continues it (see `storage`). Then the head
anchor, every checkpoint kept beside the log, those of a bundle and those of an anchor outside the machine
must each name a record that is in the log with that hash; one past the end means records were cut off.

The public key alone is enough (`--bundle`, or a copy of the log without the HMAC key): what it cannot check
is an old record written before logs were signed, unless a later signed record or checkpoint covers it.

What each kind of tampering looks like:
* an edited field, or a forged record (right seq and prev, signed with another key): its HMAC or its
  signature fails;
* a deleted record: the next one turns up where it belongs ("record 5 is missing");
* a reordered, duplicated or inserted record: a seq out of place, or an HMAC, signature or chain that fails;
* a truncated file: the head anchor or a checkpoint is past the last record, or the head is missing;
* a rollback of the log together with its head: a checkpoint anchored outside the machine is past its end;
* a log signed again with another key: the anchored checkpoint's key, or the fingerprint given, differs;
* a waiver, checklist step or attestation added to the files beside the log (or edited there) without its
  signed record: named in `state_mismatches` (see `signed_state`), and the report is not intact.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wizard.audit_log import anchor
from wizard.audit_log.chain import Chain, Keys
from wizard.audit_log.checkpoints import Checkpoint, history_path, read_history
from wizard.audit_log.errors import LogUnavailableError, MissingKeyError
from wizard.audit_log.keys import LogKey, candidate_keys
from wizard.audit_log.paths import ACCOUNT_ID_PATTERN, check_account_id
from wizard.audit_log.reader import read_log_bytes, split_lines
from wizard.audit_log.records import Record, record_mac
from wizard.audit_log.signing import PublicKey, public_key_path, read_public_key, signing_candidates
from wizard.audit_log.writer import choose_key


@dataclass(frozen=True)
class Evidence:
    """What a verification holds the log against besides the files beside it."""

    public_key: PublicKey | None = None  # default: the public key beside the log
    public_location: str | None = None
    checkpoints: tuple[tuple[str, Checkpoint], ...] = ()  # (where, checkpoint): a bundle's
    anchors: tuple[tuple[str, Checkpoint], ...] = ()  # (where, checkpoint): from outside the machine
    local: bool = True  # the HMAC keys, head anchor and checkpoints beside the log count (not for a bundle)
    expected_fingerprint: str | None = None
    log_bytes: bytes | None = None  # the log itself, when it is not the private file at `path`


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
    key: str | None  # where the HMAC key came from (None: not checked with one)
    state_mismatches: tuple[str, ...] = ()  # waiver and progress entries beside the log that it does not sign
    fingerprint: str | None = None  # the log's Ed25519 public key
    public_key: str | None = None  # where the public key came from
    signed_records: int = 0  # records whose signature was checked
    checkpoints: int = 0  # signed checkpoints checked (head and anchors not counted)
    anchors: tuple[str, ...] = ()  # the anchors the log was held against

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

    def checked(self) -> str:
        """What was checked, in words."""
        parts = ["hash chain"]
        if self.key:
            parts.append("HMACs")
        if self.signed_records:
            parts.append(f"{self.signed_records} Ed25519 signature{'s' if self.signed_records != 1 else ''}")
        if self.head_seq is not None:
            parts.append("head anchor")
        if self.checkpoints:
            parts.append(f"{self.checkpoints} signed checkpoint{'s' if self.checkpoints != 1 else ''}")
        parts += [f"anchor {where}" for where in self.anchors]
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    def headline(self) -> str:
        if self.intact:
            span = f"records 1-{self.last_seq}" if self.last_seq else "no records yet"
            return f"Audit log {self.path}: intact ({span}; {self.checked()} verified)."
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
        if self.fingerprint:
            lines.append(f"signing key: {self.fingerprint} (public key: {self.public_key})")
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
            "fingerprint": self.fingerprint,
            "public_key": self.public_key,
            "signed_records": self.signed_records,
            "checkpoints_checked": self.checkpoints,
            "anchors": list(self.anchors),
        }


def _account_of(lines: list[bytes], head: anchor.HeadFile, evidence: Evidence) -> str | None:
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
    named += [checkpoint.account for _, checkpoint in evidence.checkpoints]
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
            data.pop("sig", None)
            for key in candidates:
                if isinstance(mac, str) and hmac.compare_digest(record_mac(key.secret, data), mac):
                    return key
        break
    return candidates[0]


def _public_key(account: str, path: Path, evidence: Evidence) -> tuple[PublicKey | None, str | None]:
    if evidence.public_key is not None or not evidence.local:
        return evidence.public_key, evidence.public_location
    beside = read_public_key(path)
    if beside is not None:
        return beside, str(public_key_path(path))
    signers = signing_candidates(account, path)
    return (signers[0].public, signers[0].location) if signers else (None, None)


def normal_fingerprint(text: str) -> str:
    value = text.strip()
    return value if value.startswith("SHA256:") else f"SHA256:{value}"


def _check_pin(chain: Chain, public: PublicKey | None, expected: str | None) -> None:
    if expected is None:
        return
    wanted = normal_fingerprint(expected)
    first = 1 if chain.last else None
    if public is None:
        chain.fail(first, None, f"the log has no public key to hold against the fingerprint {wanted}.")
    elif public.fingerprint != wanted:
        chain.fail(
            first,
            None,
            f"the log is signed with key {public.fingerprint}, not the expected {wanted}: "
            "it may have been signed again with another key.",
        )


def _check_head(chain: Chain, head: anchor.HeadFile, keys: Keys, has_lines: bool) -> None:
    found = head.head
    if found is None:
        if head.exists:
            chain.fail(None, None, f"the head anchor {head.path} is damaged; records may have been cut off.")
        elif has_lines:
            chain.fail(None, None, f"the head anchor {head.path} is missing; records may have been cut off.")
        return
    signed = found.checkpoint
    by_hmac = keys.hmac_key is not None and found.signed_by(keys.hmac_key)
    by_key = (
        keys.public is not None
        and signed is not None
        and signed.signed_by(keys.public)
        and (signed.seq, signed.hash, signed.account) == (found.seq, found.hash, found.account)
    )
    if found.account != chain.account_id or not (by_hmac or keys.hmac_key is None) or not (by_key or signed is None):
        chain.fail(None, None, f"the head anchor {head.path} was not written with the log's key.")
    elif keys.hmac_key is None and not by_key:
        chain.fail(
            None,
            None,
            f"the head anchor {head.path} is not signed with the log's signing key "
            "(written before logs were signed, or forged): the end of the log cannot be checked.",
        )
    elif found.seq > chain.last:
        last = chain.last
        cut = f"records {last + 1}-{found.seq} were" if found.seq > last + 1 else f"record {found.seq} was"
        chain.fail(last + 1, None, f"the log ends at record {last}, but {cut} written: the file was truncated.")
    elif chain.hashes.get(found.seq) != found.hash:
        chain.fail(found.seq, None, f"record {found.seq} is not the record the head anchor was written for.")
    else:
        chain.covered_by(found.seq)


def _check_signed(chain: Chain, public: PublicKey | None, checkpoint: Checkpoint, where: str) -> bool:
    if public is None:
        chain.fail(None, None, f"{where} cannot be checked: the log has no public key.")
    elif checkpoint.key != public.fingerprint:
        chain.fail(
            1 if chain.last else None,
            None,
            f"{where} is signed by key {checkpoint.key}, but the log by "
            f"{public.fingerprint}: the log was signed again with another key, or it is not this log's.",
        )
    elif not checkpoint.signed_by(public):
        chain.fail(None, None, f"{where} fails its signature: it was edited, or not signed with the log's key.")
    else:
        return chain.check_checkpoint(checkpoint, where)
    return False


def _kept_checkpoints(chain: Chain, path: Path, keys: Keys, evidence: Evidence) -> list[tuple[str, Checkpoint]]:
    """The checkpoints kept beside the log (local) or given by a bundle; fails the chain where they are missing
    or damaged."""
    if not evidence.local:
        if not evidence.checkpoints:
            chain.fail(None, None, "the bundle holds no signed checkpoint: a cut at its end could not be seen.")
        return list(evidence.checkpoints)
    history, bad = read_history(path)
    if bad:
        chain.fail(None, None, f"line {bad[0]} of {history_path(path)} is not a checkpoint.")
    if keys.public is None:  # a log of the HMAC era has checkpoints only once it is signed
        return list(evidence.checkpoints)
    return [(f"checkpoint {n} of {history_path(path)}", c) for n, c in enumerate(history, start=1)] + list(
        evidence.checkpoints
    )


def _check_checkpoints(chain: Chain, path: Path, keys: Keys, evidence: Evidence) -> int:
    """Every signed checkpoint and anchor held against the log; returns how many checkpoints (not anchors) held."""
    kept = _kept_checkpoints(chain, path, keys, evidence)
    held = 0
    for where, checkpoint in kept:
        if chain.problem is None and _check_signed(chain, keys.public, checkpoint, where):
            held += 1
    for where, checkpoint in evidence.anchors:
        if chain.problem is None:
            _check_signed(chain, keys.public, checkpoint, where)
    if chain.problem is None and chain.unchecked_since is not None:
        first = chain.unchecked_since
        span = f"records {first}-{chain.last} are" if chain.last > first else f"record {first} is"
        chain.fail(
            first,
            None,
            f"{span} not signed and no signed checkpoint covers them: they cannot be "
            "checked without the log's HMAC key.",
        )
    return held


def read_verified(
    path: Path, account_id: str | None = None, evidence: Evidence | None = None
) -> tuple[VerifyReport, list[Record]]:
    """The chain, HMACs, signatures and checkpoints checked, and the records that verified (up to the first bad
    one). Raises LogUnavailableError (no log) or MissingKeyError (nothing to check with)."""
    given = evidence or Evidence()
    lines = split_lines(given.log_bytes if given.log_bytes is not None else read_log_bytes(path))
    head = anchor.read_head(path) if given.local else anchor.HeadFile(path, exists=False, head=None)
    account = check_account_id(account_id) if account_id else _account_of(lines, head, given)
    if account is None:
        if not lines and not head.exists:  # created, nothing written yet: nothing to check
            return VerifyReport(path, None, 0, None, None, None, (), 0, None, None), []
        raise LogUnavailableError(f"{path} is not a cis-wizard audit log (no record names an AWS account).")
    candidates = candidate_keys(account, path) if given.local else []
    hmac_key = _pick_key(candidates, head, lines) if candidates else None
    public, public_where = _public_key(account, path, given)
    if hmac_key is None and public is None:
        raise MissingKeyError(
            f"No audit-log key for account {account} in the OS keyring or beside the log, and no public key: "
            "the records cannot be checked."
        )
    keys = Keys(hmac_key.secret if hmac_key else None, public)
    chain = Chain(account, keys)
    for number, line in enumerate(lines, start=1):
        if not chain.check(number, line, lines):
            break
    if chain.problem is None:
        _check_pin(chain, public, given.expected_fingerprint)
    if chain.problem is None and given.local:
        _check_head(chain, head, keys, has_lines=bool(lines))
    held = _check_checkpoints(chain, path, keys, given) if chain.problem is None else 0
    report = VerifyReport(
        path=path,
        account_id=account,
        last_seq=chain.last,
        first_bad_seq=chain.bad_seq,
        bad_line=chain.bad_line,
        log_problem=chain.problem,
        torn_lines=tuple(chain.torn),
        line_count=len(lines),
        head_seq=head.head.seq if head.head else None,
        key=hmac_key.location if hmac_key else None,
        fingerprint=public.fingerprint if public else None,
        public_key=public_where,
        signed_records=chain.signed,
        checkpoints=held,
        anchors=tuple(where for where, _ in given.anchors),
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


def verify_log(path: Path, account_id: str | None = None, evidence: Evidence | None = None) -> VerifyReport:
    """Verify the whole log, and (for a log in its folder) the waivers and progress beside it against it.
    Raises LogUnavailableError (no log) or MissingKeyError (nothing to check with)."""
    report, records = read_verified(path, account_id, evidence)
    if report.account_id is None or (evidence is not None and not evidence.local):
        return report
    return replace(report, state_mismatches=tuple(_state_mismatches(report, records)))
