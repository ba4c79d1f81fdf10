"""Who the sandbox account is: its id, alias, credentials, and where in its regions things live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from wizard.errors import UsageError

if TYPE_CHECKING:
    import boto3

SandboxState = Literal["fresh", "hardened"]
SANDBOX_STATES: tuple[str, ...] = get_args(SandboxState)

SANDBOX_ACCOUNT_ID = "123456789012"
ACCOUNT_ALIAS = "acme-sandbox"
# AWS's documented example key pair: any key works against moto, and these read as fake to every scanner.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PARTITION = "aws"

# The commercial regions every new account has enabled (the opt-in ones are left out, as AWS does).
DEFAULT_REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
)
PREFERRED_HOME = "us-east-1"
PREFERRED_SECOND = "eu-west-1"


class SandboxError(UsageError):
    """The sandbox cannot start as asked: a bad port, state or region list (exit 2)."""


def days_ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


@dataclass(frozen=True)
class RegionLayout:
    """The seeded regions, and the two where the interesting resources live.

    `home` holds the trail, IAM-facing resources and most findings; `second` holds a few more so the
    audit has findings in more than one region. Every other region has only what AWS gives a new account.
    """

    regions: tuple[str, ...]
    home: str
    second: str

    @classmethod
    def of(cls, regions: Sequence[str] | None) -> RegionLayout:
        chosen = tuple(dict.fromkeys(r.strip() for r in (regions or DEFAULT_REGIONS) if r.strip()))
        if not chosen:
            raise SandboxError("The sandbox needs at least one region.")
        import botocore.session

        known = set(botocore.session.get_session().get_available_regions("ec2", partition_name=PARTITION))
        unknown = [r for r in chosen if r not in known]
        if unknown:
            raise SandboxError(f"Unknown commercial AWS region(s) for the sandbox: {', '.join(unknown)}.")
        home = PREFERRED_HOME if PREFERRED_HOME in chosen else chosen[0]
        others = [r for r in chosen if r != home]
        second = PREFERRED_SECOND if PREFERRED_SECOND in others else (others[0] if others else home)
        return cls(chosen, home, second)


class SandboxEndpoint:
    """What a running sandbox offers, in a thread (`server.Sandbox`) or a child process (`process.SandboxProcess`):
    its regions, and the credentials and endpoint that point the AWS CLI, boto3 and cis-wizard at it."""

    endpoint_url: str
    layout: RegionLayout

    @property
    def regions(self) -> list[str]:
        return list(self.layout.regions)

    @property
    def home_region(self) -> str:
        return self.layout.home

    def env(self) -> dict[str, str]:
        """The variables that point the AWS CLI, boto3 and cis-wizard at the sandbox."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": self.home_region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }

    def session(self) -> boto3.Session:
        """A boto3 session with the sandbox's credentials (pass `endpoint_url` to its clients)."""
        import boto3

        return boto3.Session(
            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, region_name=self.home_region
        )
