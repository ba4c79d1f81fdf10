"""What an admin decides for the fixes: alarm e-mail, name prefix, names, stricter password values.

Validated before anything runs; values come from flags, a `--config` TOML file, or prompts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.errors import UsageError

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_LOG_GROUP = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
SNS_PROTOCOLS = ("email", "email-json", "https", "sms", "sqs", "lambda")

CIS_MIN_PASSWORD_LENGTH = 14
CIS_PASSWORD_REUSE = 24
CIS_MAX_PASSWORD_AGE = 90


def validate_email(value: str) -> str:
    if not _EMAIL.match(value or "") or len(value) > 254:
        raise UsageError(f"{value!r} is not a valid e-mail address.")
    return value


def validate_bucket_name(value: str) -> str:
    if not _BUCKET.match(value or ""):
        raise UsageError(f"{value!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).")
    return value


def validate_log_group_name(value: str) -> str:
    if not _LOG_GROUP.match(value or ""):
        raise UsageError(f"{value!r} is not a valid CloudWatch Logs log group name.")
    return value


@dataclass(frozen=True)
class FixOptions:
    alarm_endpoint: str | None = None  # e-mail address (or URL/ARN/number for other protocols)
    alarm_protocol: str = "email"
    name_prefix: str = "cis-"
    trail_bucket: str | None = None
    access_log_bucket: str | None = None
    log_group: str | None = None
    min_password_length: int = CIS_MIN_PASSWORD_LENGTH
    password_reuse: int = CIS_PASSWORD_REUSE
    max_password_age: int = CIS_MAX_PASSWORD_AGE

    def __post_init__(self) -> None:
        if self.alarm_protocol not in SNS_PROTOCOLS:
            raise UsageError(f"alarm protocol {self.alarm_protocol!r} is not one of {', '.join(SNS_PROTOCOLS)}.")
        if self.alarm_endpoint is not None and self.alarm_protocol.startswith("email"):
            validate_email(self.alarm_endpoint)
        prefix = self.name_prefix.rstrip("-")
        if not _PREFIX.match(prefix or "x"):
            raise UsageError(f"name prefix {self.name_prefix!r}: use up to 20 lowercase letters, digits and hyphens.")
        for bucket in (self.trail_bucket, self.access_log_bucket):
            if bucket is not None:
                validate_bucket_name(bucket)
        if self.log_group is not None:
            validate_log_group_name(self.log_group)
        if not CIS_MIN_PASSWORD_LENGTH <= self.min_password_length <= 128:
            raise UsageError(
                f"minimum password length {self.min_password_length} is below the CIS minimum of 14 "
                "(or above AWS's 128)."
            )
        if self.password_reuse != CIS_PASSWORD_REUSE:
            raise UsageError(
                f"password reuse prevention {self.password_reuse}: CIS requires 24, which is also AWS's maximum."
            )
        if not 1 <= self.max_password_age <= CIS_MAX_PASSWORD_AGE:
            raise UsageError(f"maximum password age {self.max_password_age} must be between 1 and 90 days.")

    def name(self, base: str) -> str:
        """A resource name with the admin's prefix: `cis-` + `alarms` -> `cis-alarms`."""
        return f"{self.name_prefix}{base}"
