"""The audit log's Ed25519 signing key: records and checkpoints signed so that anyone with the public key can
check them, and no one without the private key can forge them.

The private key is kept as the HMAC key is (`keys`): in the OS keyring (service "cis-wizard", user
"<account id>/ed25519"), or, where no keyring backend works, in a 0600 file beside the log (`<log>.signing-key`).
The public key is written beside the log as PEM (`<log>.pub`) when the key is first used for that log, and
never replaced: a log is signed by one key. Its fingerprint, `SHA256:` and the unpadded base64 of the SHA-256
of the raw 32-byte public key, is said when the key is made, so that it can be recorded somewhere else;
`openssl pkey -pubin -in FILE -outform DER | tail -c 32 | openssl dgst -sha256 -binary | base64` computes it
from the PEM file (drop the trailing `=`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import keyring
import keyring.errors
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wizard.audit_log.errors import BadKeyError
from wizard.audit_log.key_sources import key_bytes, stored_keys
from wizard.state.files import fsync_dir, open_private, read_private, sibling_path
from wizard.state.files import write_private_atomically as write_atomically

SERVICE: Final = "cis-wizard"
KEY_FILE: Final = "The audit-log signing key file"
PUBLIC_FILE: Final = "The audit log's public key"
_RAW: Final = 32

Notice = Callable[[str], None]


class SigningKeyMissingError(BadKeyError):
    """The log has a public key, but its private key is in neither the keyring nor the key file (exit 2)."""


def keyring_user(account_id: str) -> str:
    return f"{account_id}/ed25519"


def signing_key_path(log_path: Path) -> Path:
    return sibling_path(log_path, "signing-key")


def public_key_path(log_path: Path) -> Path:
    return sibling_path(log_path, "pub")


def fingerprint_of(raw: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class PublicKey:
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.raw)

    def verify(self, signature: str, message: bytes) -> bool:
        try:
            decoded = base64.b64decode(signature.encode("ascii"), validate=True)
            Ed25519PublicKey.from_public_bytes(self.raw).verify(decoded, message)
        except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
            return False
        return True

    def pem(self) -> bytes:
        return Ed25519PublicKey.from_public_bytes(self.raw).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @classmethod
    def from_pem(cls, data: bytes, where: str) -> PublicKey:
        try:
            loaded = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as error:
            raise BadKeyError(f"{where} is not a PEM public key.") from error
        if not isinstance(loaded, Ed25519PublicKey):
            raise BadKeyError(f"{where} is not an Ed25519 public key.")
        return cls(loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


@dataclass(frozen=True)
class SigningKey:
    seed: bytes  # the 32-byte private key
    source: str  # "keyring" | "file" | "new"
    location: str

    @property
    def public(self) -> PublicKey:
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return PublicKey(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    def sign(self, message: bytes) -> str:
        return base64.b64encode(Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)).decode()


def _decode(text: str, where: str) -> bytes:
    seed = key_bytes(text.strip().removeprefix("ed25519:"), _RAW)
    if seed is None:
        raise BadKeyError(f"The audit-log signing key in {where} is not a cis-wizard signing key.")
    return seed


def _keyring_location(account_id: str) -> str:
    return f"the OS keyring (service {SERVICE}, user {keyring_user(account_id)})"


def signing_candidates(account_id: str, log_path: Path) -> list[SigningKey]:
    """The private keys that may sign this log, keyring first; nothing is created."""
    try:
        stored = keyring.get_password(SERVICE, keyring_user(account_id))
    except keyring.errors.KeyringError:
        stored = None
    path = signing_key_path(log_path)

    def make(text: str, source: str, location: str) -> SigningKey:
        return SigningKey(_decode(text, location), source, location)

    return stored_keys(stored, _keyring_location(account_id), path, KEY_FILE, f"Cannot read {path}", make)


def read_public_key(log_path: Path) -> PublicKey | None:
    """The public key beside the log, or None when the log has none yet."""
    path = public_key_path(log_path)
    try:
        data = read_private(path, PUBLIC_FILE)
    except OSError as error:
        raise BadKeyError(f"Cannot read {path}: {error.strerror or error}.") from error
    return None if data is None else PublicKey.from_pem(data, str(path))


def _store_in_keyring(account_id: str, seed: bytes) -> bool:
    text = "ed25519:" + seed.hex()
    try:
        keyring.set_password(SERVICE, keyring_user(account_id), text)
        return keyring.get_password(SERVICE, keyring_user(account_id)) == text
    except keyring.errors.KeyringError:
        return False


def _write_key_file(path: Path, seed: bytes) -> None:
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, b"ed25519:" + seed.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def _make_key(account_id: str, log_path: Path) -> SigningKey:
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    if _store_in_keyring(account_id, seed):
        return SigningKey(seed, "keyring", _keyring_location(account_id))
    path = signing_key_path(log_path)
    _write_key_file(path, seed)
    return SigningKey(seed, "file", f"{path} (readable only by you)")


def load_or_create_signer(account_id: str, log_path: Path, notice: Notice) -> SigningKey:
    """The key that signs this log, made (and its fingerprint said) on first use. Call under the log's lock.
    Raises SigningKeyMissingError when the log's public key names a private key that is not here."""
    candidates = signing_candidates(account_id, log_path)
    public = read_public_key(log_path)
    if public is not None:
        for candidate in candidates:
            if candidate.public == public:
                return candidate
        raise SigningKeyMissingError(
            f"The audit log {log_path} is signed with key {public.fingerprint}, which is in neither "
            f"{_keyring_location(account_id)} nor {signing_key_path(log_path)}: restore that key, or start a "
            "new log with --log."
        )
    signer = candidates[0] if candidates else _make_key(account_id, log_path)
    write_atomically(public_key_path(log_path), signer.public.pem())
    if not candidates:
        notice(
            f"made the signing key of account {account_id}'s audit log, kept in {signer.location}; its "
            f"fingerprint is {signer.public.fingerprint}. Record it somewhere else: "
            "`cis-wizard log verify --fingerprint` checks a log or bundle against it."
        )
    return signer


def find_signer(account_id: str, log_path: Path) -> SigningKey | None:
    """The private key matching the log's public key, if it is here; nothing is created."""
    public = read_public_key(log_path)
    if public is None:
        return None
    return next((key for key in signing_candidates(account_id, log_path) if key.public == public), None)
