"""The "iam_propagation" behaviour: a new role is not usable by CloudTrail or AWS Config until it has propagated."""

from __future__ import annotations

import threading

from benchmarks.aws_emulation.wire import Behaviour, Clock, xml_text
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


class IamPropagation(Behaviour):
    """IAM is eventually consistent: a new role is not usable by other services for seconds
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
    CloudTrail then answers InvalidCloudWatchLogsRoleArnException "Access denied. ..." (Terraform's provider
    retries exactly that code and message: internal/service/cloudtrail/trail.go), AWS Config
    InvalidRoleException (API_PutConfigurationRecorder.html; AWS does not document its message)."""

    name = "iam_propagation"
    patterns = (
        "iam:CreateRole",
        "iam:CreateServiceLinkedRole",
        "cloudtrail:CreateTrail",
        "cloudtrail:UpdateTrail",
        "config:PutConfigurationRecorder",
    )

    def __init__(self, seconds: float, clock: Clock, refusals_at_least: int = 0) -> None:
        self.seconds = seconds
        self.clock = clock
        self.refusals_at_least = refusals_at_least
        self._lock = threading.Lock()
        self._created: dict[str, float] = {}  # lower-cased role ARN -> when the proxy saw it created
        self._refused: dict[str, int] = {}  # lower-cased role ARN -> how many uses were refused so far

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if request.info.service == "iam":
            response = forward()
            arn = xml_text(response.body, "Arn") if response.status == 200 else None
            if arn:
                with self._lock:
                    self._created[arn.lower()] = self.clock()
            return response
        if request.info.service == "cloudtrail":
            role = request.json.get("CloudWatchLogsRoleArn")
            if role and self.refuses(str(role)):
                return request.error(
                    400,
                    "InvalidCloudWatchLogsRoleArnException",
                    "Access denied. Verify in IAM that the role has adequate permissions.",
                )
        elif operation == "PutConfigurationRecorder":
            role = (request.json.get("ConfigurationRecorder") or {}).get("roleARN")
            if role and self.refuses(str(role)):
                return request.error(400, "InvalidRoleException", f"Insufficient permission to assume role: {role}")
        return forward()

    def refuses(self, role_arn: str) -> bool:
        """Whether this use of the role is refused (and counts it): the role was created less than `seconds`
        ago, or fewer than `refusals_at_least` of its uses were refused yet (so a test on a slow machine, where
        the first use may come late, still sees the refusal). Names compare case-insensitively: moto spells
        the Config service-linked role AWSServiceRoleForconfig, AWS AWSServiceRoleForConfig."""
        key = role_arn.lower()
        with self._lock:
            created = self._created.get(key)
            if created is None:
                return False
            refused = self._refused.get(key, 0)
            if self.clock() - created >= self.seconds and refused >= self.refusals_at_least:
                return False
            self._refused[key] = refused + 1
            return True

    def age_roles(self) -> None:
        """Every role seen so far has propagated."""
        with self._lock:
            self._created.clear()
            self._refused.clear()

    reset = age_roles
