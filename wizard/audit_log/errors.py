"""The audit log's typed errors; the command line maps them to exit codes like every other WizardError."""

from __future__ import annotations

from wizard.errors import UsageError, WizardError


class AuditLogError(WizardError):
    """The log cannot be written: an append failed, so the step it was meant to record must not go ahead."""


class LogUnavailableError(UsageError):
    """No log to read, or a path that cannot be a log (exit 2)."""


class MissingKeyError(UsageError):
    """No key for the account in the keyring or beside the log, so the HMACs cannot be checked (exit 2)."""


class BadKeyError(UsageError):
    """A stored key that is not a cis-wizard log key (exit 2)."""
