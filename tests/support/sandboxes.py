"""The built-in sandbox account as the tests reach it."""

from __future__ import annotations

from wizard.aws.context import AwsContext, AwsSettings
from wizard.sandbox import Sandbox


def sandbox_context(sandbox: Sandbox) -> AwsContext:
    """An AWS context on the running sandbox: its home region, its regions, its endpoint and credentials."""
    settings = AwsSettings(
        region=sandbox.home_region, regions=",".join(sandbox.regions), endpoint_url=sandbox.endpoint_url
    )
    return AwsContext(settings, session=sandbox.session())
