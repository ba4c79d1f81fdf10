"""Errors that mean "not yet", not "no": what AWS documents as propagation, retried with a bounded backoff.

IAM is eventually consistent ("changes that you make ... can take time to become visible", IAM User Guide,
troubleshoot_general#troubleshoot_general_eventual-consistency), so a role made a moment ago is refused by
the services that must assume it: CloudTrail answers InvalidCloudWatchLogsRoleArnException ("Access denied.
Verify in IAM that the role has adequate permissions") for its CloudWatch Logs role, AWS Config
InvalidRoleException for its recorder's role, and InsufficientDeliveryPolicyException while the new bucket
policy has not reached it. Terraform's AWS provider retries exactly these for up to two minutes (its IAM
propagation timeout). Only these are retried; every other error stops the plan at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wizard.plans.model import ApiCall

MAX_WAIT_SECONDS = 120.0
_BACKOFF = (1.0, 2.0, 4.0, 8.0)  # then 8 s apart, until MAX_WAIT_SECONDS


@dataclass(frozen=True)
class Propagation:
    service: str
    operations: tuple[str, ...]
    code: str
    waiting_for: str  # what is being waited for, in words


PROPAGATION_ERRORS = (
    Propagation(
        "cloudtrail",
        ("CreateTrail", "UpdateTrail"),
        "InvalidCloudWatchLogsRoleArnException",
        "IAM to make the new role usable by CloudTrail",
    ),
    Propagation(
        "config", ("PutConfigurationRecorder",), "InvalidRoleException", "IAM to make the new role usable by AWS Config"
    ),
    Propagation(
        "config",
        ("PutDeliveryChannel",),
        "InsufficientDeliveryPolicyException",
        "the new bucket policy to reach AWS Config",
    ),
)


def propagation_of(step: ApiCall, code: str | None) -> Propagation | None:
    """The propagation `code` means for this call, or None when the error is final."""
    return next(
        (
            p
            for p in PROPAGATION_ERRORS
            if p.service == step.service and step.operation in p.operations and p.code == code
        ),
        None,
    )


def retry_delays(limit: float = MAX_WAIT_SECONDS) -> Iterator[float]:
    """The pauses between attempts: 1, 2, 4, 8, 8, ... seconds, in all at most `limit`."""
    waited = 0.0
    index = 0
    while True:
        delay = _BACKOFF[min(index, len(_BACKOFF) - 1)]
        if waited + delay > limit:
            return
        waited += delay
        index += 1
        yield delay
