"""What an admin decides for the fixes: alarm e-mail, name prefix, names, stricter password values.

Validated before anything runs; values come from flags, a `--config` TOML file, or prompts.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from wizard.checks.thresholds import MAX_PASSWORD_AGE_DAYS, MIN_PASSWORD_LENGTH, PASSWORD_REUSE_PREVENTION
from wizard.errors import UsageError

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_LOG_GROUP = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
_PHONE = re.compile(r"^\+[1-9][0-9 ()-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
PHONE_MAX_LENGTH = 20  # account:PutContactInformation's limit (PutAlternateContact allows 25)
SNS_PROTOCOLS = ("email", "email-json", "https", "sms", "sqs", "lambda")

AWS_MAX_PASSWORD_LENGTH = 128


def validate_email(value: str) -> str:
    if not _EMAIL.match(value or "") or len(value) > 254:
        raise UsageError(f"{value!r} is not a valid e-mail address.")
    return value


_ARN = re.compile(r"^arn:aws[a-z-]*:(sqs|lambda):[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_.:-]{1,256}$")
_HTTPS = re.compile(r"^https://[^\s/$.?#][^\s]*$")


def validate_alarm_endpoint(protocol: str, endpoint: str) -> str:
    """The subscriber for the alarms' topic, checked for its protocol before anything is created."""
    if protocol.startswith("email"):
        return validate_email(endpoint)
    if protocol in ("sqs", "lambda") and not _ARN.match(endpoint):
        raise UsageError(f"{endpoint!r} is not a valid {protocol} ARN (arn:aws:{protocol}:REGION:ACCOUNT:NAME).")
    if protocol == "https" and not _HTTPS.match(endpoint):
        raise UsageError(f"{endpoint!r} is not an https:// URL.")
    if protocol == "sms":
        return validate_phone(endpoint, "the alarms' SMS number")
    return endpoint


def validate_bucket_name(value: str) -> str:
    if not _BUCKET.match(value or ""):
        raise UsageError(f"{value!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).")
    return value


def validate_log_group_name(value: str) -> str:
    if not _LOG_GROUP.match(value or ""):
        raise UsageError(f"{value!r} is not a valid CloudWatch Logs log group name.")
    return value


def validate_phone(value: str, what: str = "phone number") -> str:
    """An E.164-style number: "+", country code, then digits (spaces, hyphens and parentheses allowed)."""
    digits = sum(ch.isdigit() for ch in value or "")
    if not _PHONE.match(value or "") or not 7 <= digits <= 15 or len(value) > PHONE_MAX_LENGTH:
        raise UsageError(
            f"{what} {value!r} is not an international phone number: start with + and the country code, "
            f"7-15 digits, at most {PHONE_MAX_LENGTH} characters (like +1 555 0100 123)."
        )
    return value


def _validate_text(value: str | None, flag: str, limit: int) -> None:
    if value is not None and not (value.strip() and len(value) <= limit):
        raise UsageError(f"{flag} must be 1-{limit} characters and not blank (got {len(value)}).")


# 1.17: FixOptions field -> ContactInformation member of account:PutContactInformation (and its length limit).
CONTACT_OPTION_FIELDS = {
    "contact_full_name": ("FullName", 50),
    "contact_company_name": ("CompanyName", 50),
    "contact_address_line1": ("AddressLine1", 60),
    "contact_address_line2": ("AddressLine2", 60),
    "contact_city": ("City", 50),
    "contact_state_or_region": ("StateOrRegion", 50),
    "contact_postal_code": ("PostalCode", 20),
    "contact_country_code": ("CountryCode", 2),
    "contact_phone": ("PhoneNumber", PHONE_MAX_LENGTH),
}
SECURITY_CONTACT_FIELDS = (
    "security_contact_name",
    "security_contact_email",
    "security_contact_phone",
    "security_contact_title",
)


# What the wizard's forms call each answer a plan may need (Plan.needs).
OPTION_LABELS = {
    "alarm_endpoint": "E-mail address the 3.x alarms notify",
    "security_contact_name": "Security contact (1.18): name",
    "security_contact_email": "Security contact: e-mail",
    "security_contact_phone": "Security contact: phone (+country code)",
    "security_contact_title": "Security contact: title",
    "contact_full_name": "Account contact (1.17): full name",
    "contact_company_name": "Account contact: company",
    "contact_address_line1": "Account contact: address",
    "contact_address_line2": "Account contact: address, line 2",
    "contact_city": "Account contact: city",
    "contact_state_or_region": "Account contact: state or region",
    "contact_postal_code": "Account contact: postal code",
    "contact_country_code": "Account contact: country (two letters)",
    "contact_phone": "Account contact: phone (+country code)",
}


def with_answers(options: FixOptions, answers: dict[str, str]) -> FixOptions:
    """The options with these answers (blank ones ignored), validated as flags are: UsageError if bad."""
    given: dict[str, Any] = {name: value.strip() for name, value in answers.items() if value.strip()}
    if "alarm_endpoint" in given:
        given.setdefault("alarm_protocol", "email")
    return dataclasses.replace(options, **given)


def option_flag(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


@dataclass(frozen=True)
class FixOptions:
    alarm_endpoint: str | None = None  # e-mail address (or URL/ARN/number for other protocols)
    alarm_protocol: str = "email"
    name_prefix: str = "cis-"
    trail_bucket: str | None = None
    access_log_bucket: str | None = None
    log_group: str | None = None
    min_password_length: int = MIN_PASSWORD_LENGTH
    password_reuse: int = PASSWORD_REUSE_PREVENTION
    max_password_age: int = MAX_PASSWORD_AGE_DAYS
    # 1.18: the account's SECURITY alternate contact (all four, or none)
    security_contact_name: str | None = None
    security_contact_email: str | None = None
    security_contact_phone: str | None = None
    security_contact_title: str | None = None
    # 1.17: the account's contact information (merged with what the account has; see CONTACT_OPTION_FIELDS)
    contact_full_name: str | None = None
    contact_company_name: str | None = None
    contact_address_line1: str | None = None
    contact_address_line2: str | None = None
    contact_city: str | None = None
    contact_state_or_region: str | None = None
    contact_postal_code: str | None = None
    contact_country_code: str | None = None
    contact_phone: str | None = None

    def __post_init__(self) -> None:
        if self.alarm_protocol not in SNS_PROTOCOLS:
            raise UsageError(f"alarm protocol {self.alarm_protocol!r} is not one of {', '.join(SNS_PROTOCOLS)}.")
        if self.alarm_endpoint is not None:
            validate_alarm_endpoint(self.alarm_protocol, self.alarm_endpoint)
        prefix = self.name_prefix.rstrip("-")
        if not _PREFIX.match(prefix or "x"):
            raise UsageError(f"name prefix {self.name_prefix!r}: use up to 20 lowercase letters, digits and hyphens.")
        for bucket in (self.trail_bucket, self.access_log_bucket):
            if bucket is not None:
                validate_bucket_name(bucket)
        if self.log_group is not None:
            validate_log_group_name(self.log_group)
        self._validate_password_values()
        self._validate_security_contact()
        self._validate_contact_information()

    def _validate_password_values(self) -> None:
        """Values may only be stricter than CIS (whose numbers the checks judge by)."""
        if not MIN_PASSWORD_LENGTH <= self.min_password_length <= AWS_MAX_PASSWORD_LENGTH:
            raise UsageError(
                f"minimum password length {self.min_password_length} is below the CIS minimum of "
                f"{MIN_PASSWORD_LENGTH} (or above AWS's {AWS_MAX_PASSWORD_LENGTH})."
            )
        if self.password_reuse != PASSWORD_REUSE_PREVENTION:
            raise UsageError(
                f"password reuse prevention {self.password_reuse}: CIS requires {PASSWORD_REUSE_PREVENTION}, "
                "which is also AWS's maximum."
            )
        if not 1 <= self.max_password_age <= MAX_PASSWORD_AGE_DAYS:
            raise UsageError(
                f"maximum password age {self.max_password_age} must be between 1 and {MAX_PASSWORD_AGE_DAYS} days."
            )

    def _validate_security_contact(self) -> None:
        given = [name for name in SECURITY_CONTACT_FIELDS if getattr(self, name) is not None]
        if not given:
            return
        missing = [option_flag(name) for name in SECURITY_CONTACT_FIELDS if name not in given]
        if missing:
            raise UsageError(f"the security contact (1.18) needs all four values; missing {', '.join(missing)}.")
        _validate_text(self.security_contact_name, "--security-contact-name", 64)
        _validate_text(self.security_contact_title, "--security-contact-title", 50)
        validate_email(self.security_contact_email or "")
        validate_phone(self.security_contact_phone or "", "--security-contact-phone")

    def _validate_contact_information(self) -> None:
        for name, (_, limit) in CONTACT_OPTION_FIELDS.items():
            _validate_text(getattr(self, name), option_flag(name), limit)
        if self.contact_country_code is not None and not _COUNTRY.match(self.contact_country_code):
            raise UsageError(
                f"--contact-country-code {self.contact_country_code!r}: use the two-letter ISO code in capitals "
                "(like US or DE)."
            )
        if self.contact_phone is not None:
            validate_phone(self.contact_phone, "--contact-phone")

    def security_contact(self) -> dict[str, str] | None:
        """PutAlternateContact's values for the SECURITY contact, or None when not given."""
        if self.security_contact_email is None:
            return None
        return {
            "Name": str(self.security_contact_name),
            "EmailAddress": self.security_contact_email,
            "PhoneNumber": str(self.security_contact_phone),
            "Title": str(self.security_contact_title),
        }

    def contact_information(self) -> dict[str, str]:
        """The ContactInformation members the admin gave (for 1.17), by their API names."""
        return {
            member: getattr(self, name)
            for name, (member, _) in CONTACT_OPTION_FIELDS.items()
            if getattr(self, name) is not None
        }

    def name(self, base: str) -> str:
        """A resource name with the admin's prefix: `cis-` + `alarms` -> `cis-alarms`."""
        return f"{self.name_prefix}{base}"
