"""moto's per-request lookups, done once in the sandbox's server: the same answers, without the repeated work."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import boto3
import moto
import moto.core.responses as moto_responses
import pytest
from moto.core.utils import method_names_from_class
from moto.ec2.responses import EC2Response
from moto.iam.responses import IamResponse
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from wizard.sandbox.moto_speed import HOSTS_REMEMBERED, RoutesOnce, remember_action_names
from wizard.sandbox.server import Sandbox

MOTO_FOLDER = os.path.dirname(moto.__file__)
_listings = threading.local()


def _count_moto_listings(event: str, args: tuple[Any, ...]) -> None:
    if event == "os.listdir" and getattr(_listings, "counting", False) and str(args[0]) == MOTO_FOLDER:
        _listings.count += 1


sys.addaudithook(_count_moto_listings)  # audit hooks stay for the process: it counts only while asked to


def moto_folder_listings(lookups: Callable[[], object]) -> int:
    """How often `lookups` lists moto's package folder (in this thread)."""
    _listings.count, _listings.counting = 0, True
    try:
        lookups()
    finally:
        _listings.counting = False
    return int(_listings.count)


HOSTS = [
    "ec2.us-east-1.amazonaws.com",
    "iam.amazonaws.com",
    "kms.eu-west-1.amazonaws.com",
    "cloudtrail.ap-south-1.amazonaws.com",
    "s3.us-east-1.amazonaws.com",
    "monitoring.us-east-1.amazonaws.com",
    "moto_api",
    "s3control",
    None,
]


@pytest.mark.parametrize("host", HOSTS)
def test_a_host_maps_to_the_backend_moto_maps_it_to(host: str | None) -> None:
    assert RoutesOnce(create_backend_app).get_backend_for_host(host) == DomainDispatcherApplication(
        create_backend_app
    ).get_backend_for_host(host)


def test_moto_folder_is_listed_once_per_host_not_per_request() -> None:
    routes, stock = RoutesOnce(create_backend_app), DomainDispatcherApplication(create_backend_app)

    def requests(dispatcher: DomainDispatcherApplication) -> Callable[[], None]:
        def look_up() -> None:
            for _ in range(50):
                dispatcher.get_backend_for_host("ec2.us-east-1.amazonaws.com")
                dispatcher.get_backend_for_host("iam.amazonaws.com")

        return look_up

    assert moto_folder_listings(requests(routes)) == 2  # once per host name
    assert moto_folder_listings(requests(stock)) == 100  # moto's own: once per request


def test_made_up_host_names_are_not_remembered_without_end() -> None:
    routes = RoutesOnce(create_backend_app)
    for index in range(HOSTS_REMEMBERED + 100):
        routes.get_backend_for_host(f"ec2.region-{index}.amazonaws.com")
    assert len(routes._backend_by_host) == HOSTS_REMEMBERED


@pytest.mark.parametrize("response_class", [EC2Response, IamResponse])
def test_action_names_are_moto_own_and_looked_up_once(response_class: type) -> None:
    remember_action_names()
    remember_action_names()  # twice is harmless
    names = moto_responses.method_names_from_class(response_class)
    assert names == frozenset(method_names_from_class(response_class))
    assert "describe_security_groups" in names or "list_users" in names
    assert moto_responses.method_names_from_class(response_class) is names


def test_the_sandbox_answers_through_its_remembered_routes(sandbox: Sandbox) -> None:
    for region in ("us-east-1", "eu-west-1"):
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=sandbox.endpoint_url)
        assert ec2.describe_security_groups()["SecurityGroups"]
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=sandbox.endpoint_url)
    assert "Users" in iam.list_users()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="nobody-by-this-name")
