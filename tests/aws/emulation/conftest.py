"""benchmarks.aws_emulation in front of the clean moto account (the `proxy` of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from benchmarks.aws_emulation import AwsEmulation
from benchmarks.fault_proxy import FaultProxy
from tests.support.accounts import HOME
from tests.support.emulation import NO_RETRIES, ClientFactory, Emulate, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulate(proxy: FaultProxy, clock: FakeClock) -> Iterator[Emulate]:
    """emulate("iam_propagation", iam_propagation_seconds=2) installs those behaviours (all when none named)."""
    made: list[AwsEmulation] = []

    def make(*behaviours: str, **options: Any) -> AwsEmulation:
        options.setdefault("clock", clock)
        emulation = AwsEmulation(proxy, behaviours=behaviours or None, **options)
        made.append(emulation)
        return emulation

    yield make
    for emulation in made:
        emulation.remove()
    assert proxy.handler_errors == []  # no handler broke on the way


@pytest.fixture
def client(proxy: FaultProxy) -> ClientFactory:
    def make(service: str, region: str = HOME) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=proxy.url, config=NO_RETRIES)

    return make
