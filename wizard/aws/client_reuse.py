"""What botocore rebuilds for every client, built once per process instead.

An audit of 17 regions makes about 85 clients per account (each service in each region), and an organization's
audit makes that again for every member account. botocore builds each client's class from scratch (a method per
operation: EC2 alone has over 700) and starts each client's event emitter with an empty cache of event-name
aliases. Measured with yappi on a single-account audit of 17 regions against moto, the class building was a
quarter of the audit's CPU. Two changes, both without changing what a client does:

- **One client class per (service, API version)** for the sessions the wizard makes (`share_client_classes`):
  the class holds only the operation methods, which are the same for every region and every set of
  credentials; a client's region, endpoint, credentials and handlers live on the instance. Sessions made
  elsewhere (a test's own boto3 session) keep botocore's behaviour, since their `creating-client-class`
  handlers may add other methods.
- **The alias cache shared with copies**: a client's emitter is a copy of its session's; the aliases it maps
  are a copy of the same table, so the copy may reuse the names already worked out.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import botocore.client
import botocore.hooks

_original_create_client_class = botocore.client.ClientCreator._create_client_class
_original_aliaser_copy = botocore.hooks.EventAliaser.__copy__

_classes: dict[tuple[str, str], type] = {}
_classes_lock = threading.Lock()
_sharing_emitters: weakref.WeakSet[Any] = weakref.WeakSet()
_installed = False


def _create_client_class(self: Any, service_name: str, service_model: Any) -> type:
    if self._event_emitter not in _sharing_emitters:
        return _original_create_client_class(self, service_name, service_model)
    key = (service_name, service_model.api_version)
    cls = _classes.get(key)
    if cls is None:
        with _classes_lock:
            cls = _classes.get(key)
            if cls is None:
                cls = _classes[key] = _original_create_client_class(self, service_name, service_model)
    return cls


def _aliaser_copy(self: Any) -> Any:
    copied = _original_aliaser_copy(self)
    if copied._event_aliases == self._event_aliases:
        copied._alias_name_cache = self._alias_name_cache
    return copied


def _install() -> None:
    global _installed
    with _classes_lock:
        if not _installed:
            botocore.client.ClientCreator._create_client_class = _create_client_class
            botocore.hooks.EventAliaser.__copy__ = _aliaser_copy
            _installed = True


def share_client_classes(botocore_session: Any) -> None:
    """Let a session the wizard made reuse the process's client classes (see the module's note)."""
    _install()
    _sharing_emitters.add(botocore_session.get_component("event_emitter"))
