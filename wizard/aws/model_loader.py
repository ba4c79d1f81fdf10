"""One loader of botocore's service models for the whole process.

Every boto3 session (one per AwsContext) and the CLI renderer share it, so each model's JSON is parsed once
rather than once per session and again per thread that asks at the same moment.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from functools import cache
from typing import Any

from botocore.loaders import Loader


class OneLoadAtATime(Loader):
    """For a botocore Loader (which caches what it loads): a lock per item, so concurrent first loads of the
    same model wait for the one under way rather than each parsing it again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._locks: defaultdict[tuple[Any, ...], threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def _lock(self, key: tuple[Any, ...]) -> threading.Lock:
        with self._guard:
            return self._locks[key]

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        with self._lock(("service", service_name, type_name, api_version)):
            return super().load_service_model(service_name, type_name, api_version)

    def load_data(self, name: str) -> Any:
        with self._lock(("data", name)):
            return super().load_data(name)


class SharedLoader(OneLoadAtATime):
    """botocore's own Loader, one load of each item at a time."""


@cache
def shared_loader() -> Loader:
    """The built-in models plus ~/.aws/models, as botocore's own default loader searches."""
    return SharedLoader()


def share_models(botocore_session: Any) -> None:
    """Make a botocore session load its models through the shared loader."""
    botocore_session.register_component("data_loader", shared_loader())
