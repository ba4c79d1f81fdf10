"""A seeded sandbox account as a file: moto's state for the account, pickled, restored in a fraction of a second.

Seeding makes ~80 API calls through moto's server plus moto's slow first calls (EC2's data, AWS's managed
IAM policies): seconds. moto keeps an account's state in plain Python objects (one per service and region),
so once seeded they are pickled to the user's cache folder, keyed by everything that shapes them (the
versions of cis-wizard, moto and botocore, the seeding code, the state and the regions). The next start
loads them instead, and writes the seeder's history again shifted in time (`SeedHistory.shifted`): what
was 3 days ago when the snapshot was made is 3 days ago today.

A pickle runs code when loaded, so the file is read only as the audit log's private files are: owned by
you, readable by nobody else, not through a symbolic link (`wizard.state.files`); anything else is ignored
and the account seeded afresh. A snapshot older than a week is made again.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wizard.sandbox.account import RegionLayout, SandboxState
from wizard.sandbox.backend_history import SeedHistory, apply_history

FORMAT = 1
MAX_AGE = timedelta(days=7)
SOURCES = Path(__file__).resolve().parent
# Services whose per-region state the audit reads: made before the snapshot, so that no first request pays for it.
REGIONAL_SERVICES = ("ec2", "kms", "logs", "cloudwatch", "sns", "config", "cloudtrail")


def _load_private_key(der: bytes) -> Any:
    """A KMS key of the sandbox, as moto made it. Its RSA checks are skipped (30 ms a key, a third of a
    restore's CPU): the key was made by `cryptography` itself, and the file is read only when
    it is the user's own private one (`load_cached`)."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, None, unsafe_skip_rsa_key_validation=True)


class _Pickler(pickle.Pickler):
    """moto's KMS keys hold `cryptography` private keys, which do not pickle: they travel as DER."""

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            der = obj.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            return _load_private_key, (der,)
        return NotImplemented


@dataclass(frozen=True)
class Snapshot:
    account_id: str
    history: SeedHistory
    backends: list[tuple[str, Any]]  # (moto service name, its AccountSpecificBackend for the account)


def touch_regional_backends(account_id: str, regions: tuple[str, ...]) -> None:
    """Make moto's per-region objects the audit will need, so they are in the snapshot."""
    from moto.backends import get_backend

    for service in REGIONAL_SERVICES:
        account = get_backend(service)[account_id]  # type: ignore[call-overload]
        for region in regions:
            account[region]  # moto creates a region's backend on first access


def capture(account_id: str, history: SeedHistory) -> bytes:
    """moto's whole state for `account_id` (every service it has touched), with the seeder's history."""
    from moto.core.base_backend import BackendDict

    # moto's registry of the live BackendDicts
    instances: list[Any] = BackendDict._instances  # type: ignore[misc]
    backends = [(b.service_name, dict.__getitem__(b, account_id)) for b in instances if account_id in dict.keys(b)]
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"format": FORMAT, "snapshot": Snapshot(account_id, history, backends)}
    )
    return buffer.getvalue()


def _unpickle(data: bytes) -> Snapshot | None:
    try:
        loaded = pickle.loads(data)
    except Exception:  # a damaged file, or one from other code: made again
        return None
    if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
        return None
    snapshot = loaded.get("snapshot")
    return snapshot if isinstance(snapshot, Snapshot) else None


def install(snapshot: Snapshot, now: datetime | None = None) -> None:
    """Put a snapshot's state in this process's moto, its history shifted to `now`."""
    from moto.backends import get_backend

    for service, account in snapshot.backends:
        backends = get_backend(service)  # type: ignore[call-overload]
        backends._create_account_specific_backend(snapshot.account_id)  # registers it for moto's reset
        dict.__setitem__(backends, snapshot.account_id, account)
    apply_history(snapshot.account_id, snapshot.history.shifted(now or datetime.now(UTC)))


def restore(data: bytes, now: datetime | None = None) -> Snapshot | None:
    """Install a captured state in this process's moto; None (nothing changed) for a damaged or foreign one."""
    snapshot = _unpickle(data)
    if snapshot is not None:
        install(snapshot, now)
    return snapshot


def cache_key(state: SandboxState, layout: RegionLayout, account_id: str) -> str:
    """Everything that shapes the seeded objects: change any and the snapshot is made again."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (
        str(FORMAT),
        sys.version,
        version("cis-wizard"),
        version("moto"),
        version("botocore"),
        version("cryptography"),
        state,
        account_id,
        ",".join(layout.regions),
    ):
        digest.update(part.encode() + b"\0")
    for source in sorted([*SOURCES.glob("*.py"), SOURCES.parent / "data" / "sandbox_amis.json"]):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:32]


def cache_path(state: SandboxState, layout: RegionLayout, account_id: str, folder: Path | None = None) -> Path:
    import platformdirs

    base = folder or Path(platformdirs.user_cache_dir("cis-wizard", appauthor=False)) / "sandbox"
    return base / f"{state}-{cache_key(state, layout, account_id)}.pickle"


def load_cached(path: Path, now: datetime | None = None) -> Snapshot | None:
    """Restore the snapshot at `path` if it is there, private, of this format and less than a week old."""
    from wizard.state.files import read_private

    try:
        data = read_private(path, "sandbox snapshot")
    except Exception:  # another user's or a world-readable file, a link: not loaded, made again
        return None
    if data is None:
        return None
    snapshot = _unpickle(data)
    moment = now or datetime.now(UTC)
    if snapshot is None or moment - snapshot.history.seeded_at > MAX_AGE:
        return None
    install(snapshot, moment)
    return snapshot


def save(path: Path, data: bytes) -> None:
    """Write the snapshot privately (0600 in a 0700 folder, through a fresh temporary file)."""
    from wizard.state.files import ensure_private_dir, write_private_atomically

    ensure_private_dir(path.parent)
    write_private_atomically(path, data)
