"""`log export --bundle DIR` and `log verify --bundle DIR`: the log, its public key, the key's fingerprint and
the signed checkpoints, in a folder an auditor can check on another machine, where no private key is.

    DIR/log.jsonl           the log, byte for byte
    DIR/public-key.pem      the Ed25519 public key that signs it
    DIR/fingerprint.txt     that key's fingerprint (compare it with the one recorded when the key was made)
    DIR/checkpoints.jsonl   the signed checkpoints: those kept beside the log, and one made at export
    DIR/manifest.json       what is in the folder (account, records, SHA-256 of each file): a convenience,
                            not evidence (anyone could rewrite it); the signatures are the evidence
    DIR/README.txt          how to check it

Verifying a bundle uses only what is in it (and, given with --fingerprint and --anchor, what the auditor
holds): no HMAC key, no file beside a log on this machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from wizard import __version__
from wizard.audit_log import anchor
from wizard.audit_log.checkpoints import Checkpoint, append_history, parse_checkpoints, read_history, sign_checkpoint
from wizard.audit_log.errors import BadKeyError, LogUnavailableError
from wizard.audit_log.keys import Notice, candidate_keys
from wizard.audit_log.reader import read_log_bytes
from wizard.audit_log.records import utc_timestamp
from wizard.audit_log.signing import PublicKey, load_or_create_signer, read_public_key
from wizard.audit_log.storage import LogFile
from wizard.audit_log.verify import Evidence, VerifyReport, verify_log
from wizard.errors import UsageError

LOG: Final = "log.jsonl"
PUBLIC: Final = "public-key.pem"
FINGERPRINT: Final = "fingerprint.txt"
CHECKPOINTS: Final = "checkpoints.jsonl"
MANIFEST: Final = "manifest.json"
README: Final = "README.txt"
_MAX_FILE: Final = 1 << 30


@dataclass(frozen=True)
class ExportedBundle:
    directory: Path
    fingerprint: str
    records: int
    checkpoint: Checkpoint | None  # the one signed at export (None: the log was not intact, or no key here)
    verification: VerifyReport


def seal_head(log_path: Path, account: str, notice: Notice) -> Checkpoint | None:
    """Sign a checkpoint of the log's head now and keep it beside the log. None when the head is not the log's
    own (no HMAC key to tell, or it does not match the last record) or no signing key can be had."""
    log = LogFile(log_path)
    try:
        with log.locked():
            keys = candidate_keys(account, log_path)
            head = anchor.read_head(log_path).head
            tail = log.tail()
            key = next((k.secret for k in keys if head is not None and head.signed_by(k.secret)), None)
            if key is None or head is None or (head.seq, head.hash) != (tail.seq, tail.hash):
                return None
            try:
                signer = load_or_create_signer(account, log_path, notice)
            except BadKeyError:
                return None
            now = utc_timestamp(dt.datetime.now(dt.UTC))
            checkpoint = sign_checkpoint(signer, account, tail.seq, tail.hash, now)
            append_history(log_path, checkpoint)
            anchor.write_head(log_path, account, tail.seq, tail.hash, key, checkpoint)
            return checkpoint
    finally:
        log.close()


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _prepare_directory(directory: Path) -> None:
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise UsageError(f"--bundle {directory} is not a folder.")
    if directory.is_dir() and any(directory.iterdir()):
        raise UsageError(f"--bundle {directory} is not empty: name a new folder.")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def _readme(account: str, fingerprint: str) -> str:
    return (
        f"cis-wizard audit-log bundle of AWS account {account}\n\n"
        f"The log is signed with the Ed25519 key {fingerprint}.\n"
        "Compare that fingerprint with the one recorded when the key was made, then check the bundle:\n\n"
        f"    cis-wizard log verify --bundle . --fingerprint {fingerprint}\n\n"
        "Add --anchor FILE or --anchor s3://BUCKET/KEY to hold it against a checkpoint anchored elsewhere.\n"
        "Exit 0: intact. Exit 3: not intact, and the first bad record is named.\n"
    )


def export_bundle(log_path: Path, account: str | None, directory: Path, notice: Notice) -> ExportedBundle:
    """Verify the log here, sign a checkpoint of its head (when it is intact), then write the bundle."""
    before = verify_log(log_path, account)
    if before.account_id is None:
        raise LogUnavailableError(f"The audit log {log_path} has no records to export.")
    account = before.account_id
    _prepare_directory(directory)
    sealed = seal_head(log_path, account, notice) if before.intact else None
    data = read_log_bytes(log_path)
    public = read_public_key(log_path)
    if public is None:
        raise UsageError(
            f"The audit log {log_path} has no public key: it was never signed, and no signing key is here."
        )
    history, _ = read_history(log_path)
    head = anchor.read_head(log_path).head
    kept = [*history, *([head.checkpoint] if head and head.checkpoint else [])]
    unique = list({checkpoint.line(): checkpoint for checkpoint in kept}.values())
    files = {
        LOG: data,
        PUBLIC: public.pem(),
        FINGERPRINT: (public.fingerprint + "\n").encode(),
        CHECKPOINTS: b"".join(checkpoint.line() + b"\n" for checkpoint in unique),
        README: _readme(account, public.fingerprint).encode(),
    }
    manifest = {
        "bundle": "cis-wizard audit log",
        "tool_version": __version__,
        "account_id": account,
        "exported_at": utc_timestamp(dt.datetime.now(dt.UTC)),
        "fingerprint": public.fingerprint,
        "records": before.last_seq,
        "verified_at_export": before.headline(),
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    for name, content in files.items():
        _write_new(directory / name, content)
    return ExportedBundle(directory, public.fingerprint, before.last_seq, sealed, before)


def _read(path: Path) -> bytes:
    try:
        if path.is_symlink() or not path.is_file():
            raise LogUnavailableError(f"The bundle has no {path.name} ({path} is missing or not a file).")
        if path.stat().st_size > _MAX_FILE:
            raise LogUnavailableError(f"{path} is too large to be a bundle file.")
        return path.read_bytes()
    except OSError as error:
        raise LogUnavailableError(f"Cannot read {path}: {error.strerror or error}.") from error


def bundle_evidence(
    directory: Path, expected_fingerprint: str | None, anchors: tuple[tuple[str, Checkpoint], ...] = ()
) -> Evidence:
    """What `verify` holds a bundle's log against: its public key and checkpoints only."""
    if not directory.is_dir():
        raise LogUnavailableError(f"--bundle {directory} is not a folder.")
    public = PublicKey.from_pem(_read(directory / PUBLIC), str(directory / PUBLIC))
    found, bad = parse_checkpoints(_read(directory / CHECKPOINTS))
    if bad:
        raise LogUnavailableError(f"Line {bad[0]} of {directory / CHECKPOINTS} is not a checkpoint.")
    named = (directory / FINGERPRINT).read_text(errors="replace").strip() if (directory / FINGERPRINT).is_file() else ""
    if named and named != public.fingerprint and expected_fingerprint is None:
        expected_fingerprint = named  # the bundle contradicts itself: verify will say so
    where = directory / CHECKPOINTS
    return Evidence(
        public_key=public,
        public_location=str(directory / PUBLIC),
        checkpoints=tuple((f"checkpoint {n} of {where}", c) for n, c in enumerate(found, start=1)),
        anchors=anchors,
        local=False,
        expected_fingerprint=expected_fingerprint,
        log_bytes=_read(directory / LOG),
    )


def verify_bundle(
    directory: Path, expected_fingerprint: str | None = None, anchors: tuple[tuple[str, Checkpoint], ...] = ()
) -> VerifyReport:
    return verify_log(directory / LOG, None, bundle_evidence(directory, expected_fingerprint, anchors))
