"""Keyrings for the audit log's key, installed through keyring's public API (`keyring.set_keyring`).

Tests choose one through the `keyrings` fixture (tests/conftest.py), which puts back the backend that was in
place before; subprocesses are told through PYTHON_KEYRING_BACKEND (`NO_KEYRING_ENV`).
"""

from __future__ import annotations

from typing import TypeVar

import keyring
import keyring.backends.fail
import pytest
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from wizard.audit_log import keys as log_keys

NO_KEYRING = "keyring.backends.fail.Keyring"
NO_KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}

Backend = TypeVar("Backend", bound=KeyringBackend)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict. Never picked by keyring on its own: tests install it explicitly."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test keyring, only ever set explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class ForgetfulKeyring(MemoryKeyring):
    """Like keyring's empty chain: accepts a password and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


class Keyrings:
    """Switches the process's keyring for one test; `restore` puts back the backend found at the start.

    The audit log says "no working keyring" once per process; each test starts with that notice not yet given.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._previous = keyring.get_keyring()
        # wizard.audit_log.keys has no public way to reset its once-per-process notice.
        monkeypatch.setattr(log_keys, "_fallback_announced", False)

    def use(self, backend: Backend) -> Backend:
        keyring.set_keyring(backend)
        return backend

    def memory(self) -> MemoryKeyring:
        return self.use(MemoryKeyring())

    def none(self) -> keyring.backends.fail.Keyring:
        """No keyring, here and in the subprocesses the test starts: the log's key is the 0600 file beside it."""
        self._monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
        return self.use(keyring.backends.fail.Keyring())

    def restore(self) -> None:
        keyring.set_keyring(self._previous)
