"""Who the sandbox account is: its id, alias, credentials, and where in its regions things live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from wizard.errors import UsageError

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
