"""The "limits" behaviour: per-region quotas of CloudTrail and AWS Config, and CloudTrail's refusal of a
name already used."""

from __future__ import annotations

from benchmarks.aws_emulation.wire import Behaviour, Upstream, region_of
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


class Limits(Behaviour):
    """Per-region quotas moto does not count (or that must hold whatever moto does).

    CloudTrail: 5 trails per region, not adjustable
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html); a multi-region
    trail counts in every region. AWS Config: one customer-managed configuration recorder and one delivery
    channel per region (https://docs.aws.amazon.com/config/latest/developerguide/configlimits.html;
    https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html). And a trail name
    is taken once per region: TrailAlreadyExistsException (API_CreateTrail.html), where moto replaces the
    trail."""

    name = "limits"
    patterns = ("cloudtrail:CreateTrail", "config:PutConfigurationRecorder", "config:PutDeliveryChannel")
    trails_per_region = 5

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if operation == "CreateTrail":
            refusal = self._trail_refusal(request)
        elif operation == "PutConfigurationRecorder":
            refusal = self._recorder_refusal(request)
        else:
            refusal = self._channel_refusal(request)
        return refusal or forward()

    def _trail_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str(request.json.get("Name", ""))
        cloudtrail = self.upstream.client(request, "cloudtrail")
        trails = cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]
        account = self.upstream.account_id(request)
        if any(name in (t.get("Name"), t.get("TrailARN")) for t in trails):
            # moto replaces the trail instead.
            return request.error(
                400, "TrailAlreadyExistsException", f"Trail {name} already exists for customer: {account}"
            )
        if len(trails) < self.trails_per_region:
            return None
        return request.error(
            400,
            "MaximumNumberOfTrailsExceededException",
            f"User: {account} already has {self.trails_per_region} trails in {region_of(request)}.",
        )

    def _recorder_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str((request.json.get("ConfigurationRecorder") or {}).get("name", ""))
        config = self.upstream.client(request, "config")
        recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
        # Service-linked recorders (PutServiceLinkedConfigurationRecorder) do not count against the quota.
        others = [r for r in recorders if r.get("name") != name and not r.get("servicePrincipal")]
        if not others:
            return None
        return request.error(
            400,
            "MaxNumberOfConfigurationRecordersExceededException",
            f"Failed to put configuration recorder '{name}' because the maximum number of configuration "
            "recorders: 1 is reached.",
        )

    def _channel_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str((request.json.get("DeliveryChannel") or {}).get("name", ""))
        config = self.upstream.client(request, "config")
        channels = config.describe_delivery_channels()["DeliveryChannels"]
        if not any(c.get("name") != name for c in channels):
            return None
        return request.error(
            400,
            "MaxNumberOfDeliveryChannelsExceededException",
            f"Failed to put delivery channel '{name}' because the maximum number of delivery channels: 1 is reached.",
        )
