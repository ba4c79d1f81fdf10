"""Two lookups moto's server repeats on every request, done once instead (answers unchanged).

Measured with yappi on a moto server answering EC2 and IAM reads (about 4.1 ms of CPU a request before):
- `DomainDispatcherApplication.get_backend_for_host` lists moto's package folder and stats its ~180 entries
  (`moto.backends.list_of_moto_modules`), then tries its URL patterns one by one, on each request and
  under the dispatcher's one lock, so requests wait for each other too: about 1 ms a request. The backend
  a host name maps to never changes, so `RoutesOnce` remembers it per host name.
- `BaseResponse.call_action` lists the response class's methods with `inspect.getmembers` on each request
  (EC2's class has several hundred): about 0.8 ms a request. A class's methods never change while it
  serves, so `remember_action_names` keeps each class's names.

The sandbox's moto (and the benchmarks' server, which stands for AWS) use both. `RoutesOnce` serves only the
server it is given; `remember_action_names` holds for the whole process once a sandbox has started in it (the
names are the same, looked up once), so a test's own moto server keeps moto's dispatcher and nothing else.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import moto.core.responses as moto_responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

HOSTS_REMEMBERED = 4096  # host names are built from a request's signing scope: any client can make up more


class RoutesOnce(DomainDispatcherApplication):
    """moto's dispatcher, remembering the backend each host name maps to (see the module docstring)."""

    def __init__(self, create_app: Callable[[Any], Any]) -> None:
        super().__init__(create_app)
        self._backend_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        # Called under self.lock (moto's get_application holds it), so the dictionary needs no lock of its own.
        try:
            return self._backend_by_host[host]
        except KeyError:
            backend = super().get_backend_for_host(host)
            if len(self._backend_by_host) < HOSTS_REMEMBERED:
                self._backend_by_host[host] = backend
            return backend


_remembered_lock = threading.Lock()


def remember_action_names() -> None:
    """Make moto's responses look up each class's method names once (idempotent; process-wide)."""
    with _remembered_lock:
        names_of = moto_responses.method_names_from_class
        if getattr(names_of, "remembered", False):
            return

        @functools.cache
        def method_names_once(clazz: object) -> frozenset[str]:
            return frozenset(names_of(clazz))

        method_names_once.remembered = True  # type: ignore[attr-defined]
        moto_responses.method_names_from_class = method_names_once  # type: ignore[assignment]
