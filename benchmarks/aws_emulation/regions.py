"""The "opt_in_regions" behaviour: DescribeRegions as an account sees it, the regions enabled by default
and the opted-in ones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping

from benchmarks.aws_emulation.wire import (
    EC2_NAMESPACE,
    Behaviour,
    xml_element,
    xml_text,
)
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse
from wizard.sandbox.account import DEFAULT_REGIONS

# Regions introduced before 20 March 2019 are enabled for every account; later ones need opting in (the
# sandbox's regions). https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
DEFAULT_ENABLED_REGIONS: frozenset[str] = frozenset(DEFAULT_REGIONS)
OTHER_PARTITIONS = ("cn-", "us-gov-", "us-iso")


class OptInRegions(Behaviour):
    """DescribeRegions answers the regions enabled for the account, or all of the partition's with
    AllRegions=true, each with its OptInStatus
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html; which regions need
    opting in: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html). moto answers
    38 regions of three partitions, some opt-in ones as opt-in-not-required, and ignores AllRegions."""

    name = "opt_in_regions"
    patterns = ("ec2:DescribeRegions",)

    def __init__(self, opted_in: Iterable[str]) -> None:
        self.opted_in = set(opted_in)

    def status(self, region: str) -> str:
        if region in DEFAULT_ENABLED_REGIONS:
            return "opt-in-not-required"
        return "opted-in" if region in self.opted_in else "not-opted-in"

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        response = forward()
        if response.status != 200:
            return response
        params = request.form
        # RegionNames may name any region, enabled or not; AllRegions shows the disabled ones too.
        show_disabled = params.get("AllRegions", "").lower() == "true" or any(
            k.startswith("RegionName.") for k in params
        )
        wanted_status = _filter_values(params, "opt-in-status")
        rows = []
        for name, endpoint in _regions_in(response.body):
            status = self.status(name)
            if name.startswith(OTHER_PARTITIONS) or (status == "not-opted-in" and not show_disabled):
                continue
            if wanted_status and status not in wanted_status:
                continue
            rows.append((name, endpoint, status))
        return response.replace(body=_describe_regions_body(rows))


def _regions_in(body: bytes) -> list[tuple[str, str]]:
    items = re.findall(rb"<item>(.*?)</item>", body, re.DOTALL)
    return [(xml_text(item, "regionName") or "", xml_text(item, "regionEndpoint") or "") for item in items]


def _filter_values(params: Mapping[str, str], name: str) -> set[str]:
    """The values of EC2 query filter `name` (Filter.N.Name / Filter.N.Value.M)."""
    numbers = [k.split(".")[1] for k, v in params.items() if re.fullmatch(r"Filter\.\d+\.Name", k) and v == name]
    return {v for n in numbers for k, v in params.items() if k.startswith(f"Filter.{n}.Value.")}


def _describe_regions_body(rows: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item>{xml_element('regionName', n)}{xml_element('regionEndpoint', e)}{xml_element('optInStatus', s)}</item>"
        for n, e, s in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="{EC2_NAMESPACE}">'
        f"<requestId>{uuid.uuid4()}</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>"
    ).encode()
