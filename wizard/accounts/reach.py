"""Which accounts, and how each is reached: the organization's active accounts (organizations:ListAccounts from
the management or a delegated administrator account) or a list of ids, each through sts:AssumeRole of a role
in it (OrganizationAccountAccessRole by default), as the aws CLI does it (role_arn, external_id, mfa_serial).

With an MFA device, its code is given once: it opens one session (sts:GetSessionToken) from which every role is
assumed, so that a trust policy asking for aws:MultiFactorAuthPresent is met for every account without a new
code each time. The caller's own account is reached with the caller's own credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions

from wizard.aws.context import AwsContext, AwsSettings
from wizard.collectors.api import error_code, error_message
from wizard.errors import UsageError

DEFAULT_ROLE = "OrganizationAccountAccessRole"
ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")  # IAM's role name characters (without a path)
SESSION_SECONDS = 3600


@dataclass(frozen=True)
class RoleSettings:
    role_name: str = DEFAULT_ROLE
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_code: str | None = None

    def __post_init__(self) -> None:
        if not ROLE_NAME.match(self.role_name):
            raise UsageError(f"--role-name {self.role_name!r} is not an IAM role name.")
        if bool(self.mfa_serial) != bool(self.mfa_code):
            raise UsageError("--mfa-serial and --mfa-code go together: give both, or neither.")
        if self.mfa_code is not None and not re.fullmatch(r"\d{6}", self.mfa_code):
            raise UsageError("--mfa-code is the 6-digit code the MFA device shows now.")


@dataclass(frozen=True)
class AccountChoice:
    """`--organization`, or `--accounts 111111111111,222222222222`."""

    organization: bool = False
    account_ids: tuple[str, ...] = ()

    @property
    def chosen(self) -> bool:
        return self.organization or bool(self.account_ids)


def parse_account_ids(text: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    bad = [i for i in ids if not ACCOUNT_ID.match(i)]
    if bad or not ids:
        raise UsageError(f"--accounts takes 12-digit account ids, comma-separated (not {bad[0] if bad else text!r}).")
    return ids


@dataclass(frozen=True)
class MemberAccount:
    account_id: str
    name: str = ""


def organization_accounts(ctx: AwsContext) -> list[MemberAccount]:
    """The organization's ACTIVE accounts (the caller's own included), in the order AWS lists them."""
    try:
        pages = ctx.client("organizations").get_paginator("list_accounts").paginate()
        listed = [account for page in pages for account in page.get("Accounts", [])]
    except botocore.exceptions.ClientError as error:
        raise UsageError(
            f"Cannot list the organization's accounts (organizations:ListAccounts: {error_code(error)}: "
            f"{error_message(error)}). Run from the management account or a delegated administrator, or name the "
            "accounts with --accounts."
        ) from error
    return [MemberAccount(a["Id"], a.get("Name", "")) for a in listed if a.get("Status") == "ACTIVE"]


class AccountUnreachable(Exception):
    """The role in an account could not be assumed: the AWS error, said for that account only."""

    def __init__(self, account_id: str, reason: str) -> None:
        super().__init__(f"{account_id}: {reason}")
        self.account_id = account_id
        self.reason = reason


class AccountReacher:
    """Makes an AwsContext for each account, through its role, from the caller's own context."""

    def __init__(self, base: AwsContext, role: RoleSettings, session_name: str) -> None:
        self.base = base
        self.role = role
        self.session_name = session_name[:64]
        self._source: boto3.Session | None = None

    def _source_session(self) -> boto3.Session:
        """What the roles are assumed from: the caller, or (with MFA) one MFA session of the caller."""
        if self._source is not None:
            return self._source
        if not self.role.mfa_serial:
            self._source = self.base.session
            return self._source
        try:
            reply = self.base.client("sts").get_session_token(
                SerialNumber=self.role.mfa_serial, TokenCode=self.role.mfa_code, DurationSeconds=SESSION_SECONDS
            )
        except botocore.exceptions.ClientError as error:
            raise UsageError(f"The MFA code was refused (sts:GetSessionToken: {error_code(error)}).") from error
        self._source = _session(reply["Credentials"], self.base.home_region)
        return self._source

    def context(self, account_id: str) -> AwsContext:
        settings = self.base.settings
        if account_id == self.base.identity().account_id:
            return AwsContext(settings, session=self.base.session)
        source = self._source_session()
        arn = f"arn:{self.base.partition}:iam::{account_id}:role/{self.role.role_name}"
        request: dict[str, Any] = {
            "RoleArn": arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": SESSION_SECONDS,
        }
        if self.role.external_id:
            request["ExternalId"] = self.role.external_id
        # The regional STS endpoint of the home region (both sessions are set to regional endpoints).
        sts = source.client("sts", region_name=self.base.home_region, endpoint_url=self.base.endpoint_url)
        try:
            reply = sts.assume_role(**request)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise AccountUnreachable(account_id, f"{error_code(error)}: {error_message(error)}") from error
        return AwsContext(
            AwsSettings(
                region=settings.region or self.base.home_region,
                regions=settings.regions,
                endpoint_url=settings.endpoint_url,
                allow_insecure_endpoint=settings.allow_insecure_endpoint,
            ),
            session=_session(reply["Credentials"], self.base.home_region),
        )


def _session(credentials: dict[str, Any], region: str) -> boto3.Session:
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    session._session.set_config_variable("sts_regional_endpoints", "regional")  # no public way in boto3
    return session
