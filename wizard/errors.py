"""Typed errors, mapped to exit codes at the command-line edge (never `SystemExit` deep down)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3


class WizardError(Exception):
    """Base of every error the wizard explains to its user in one line."""

    exit_code = EXIT_UNEXPECTED


class UsageError(WizardError):
    """Bad flags, bad input, or an environment the wizard cannot work in (exit 2)."""

    exit_code = EXIT_USAGE


class CredentialsError(UsageError):
    """No usable AWS credentials: missing, expired, or an unknown profile."""


class EndpointError(UsageError):
    """The AWS endpoint cannot be reached at all."""


class AwsReadError(Exception):
    """One AWS read failed; the checks that need it report ERROR with this code, the audit goes on."""

    def __init__(self, operation: str, region: str, code: str, message: str) -> None:
        super().__init__(f"{operation} in {region}: {code}: {message}")
        self.operation = operation
        self.region = region
        self.code = code
        self.message = message

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.operation} failed in {self.region}: {self.message}"
