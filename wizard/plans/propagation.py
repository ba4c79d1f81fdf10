"""Errors that mean "not yet", not "no": what AWS documents as propagation, retried with a bounded backoff.

IAM is eventually consistent ("changes that you make ... can take time to become visible", IAM User Guide,
troubleshoot_general#troubleshoot_general_eventual-consistency), so a role made a moment ago is refused by
the services that must assume it: CloudTrail answers InvalidCloudWatchLogsRoleArnException ("Access denied.
Verify in IAM that the role has adequate permissions") for its CloudWatch Logs role, and
InvalidCloudWatchLogsLogGroupArnException ("Access denied. ...") while the role's permission to write to the
log group has not reached it; AWS Config InvalidRoleException for its recorder's role, and
InsufficientDeliveryPolicyException while the new bucket policy has not reached it. Terraform's AWS provider
retries exactly these for up to two minutes (its IAM propagation timeout; internal/service/cloudtrail/trail.go
retries the two CloudTrail codes only when the message says "Access denied.": another message, a malformed
ARN say, is final). Only these are retried; every other error stops the plan at once.
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
    message_contains: str = ""  # retried only when the error's message holds this ("": any message)

    def means(self, step: ApiCall, code: str | None, message: str | None) -> bool:
        return (
            self.service == step.service
            and step.operation in self.operations
            and self.code == code
            and self.message_contains in (message or "")
        )


PROPAGATION_ERRORS = (
    Propagation(
        "cloudtrail",
        ("CreateTrail", "UpdateTrail"),
        "InvalidCloudWatchLogsRoleArnException",
        "IAM to make the new role usable by CloudTrail",
        "Access denied.",
    ),
    Propagation(
        "cloudtrail",
        ("CreateTrail", "UpdateTrail"),
        "InvalidCloudWatchLogsLogGroupArnException",
        "IAM to let the new role write to the log group",
        "Access denied.",
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


def propagation_of(step: ApiCall, code: str | None, message: str | None = None) -> Propagation | None:
    """The propagation the error (`code`, `message`) means for this call, or None when the error is final."""
    return next((p for p in PROPAGATION_ERRORS if p.means(step, code, message)), None)


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
