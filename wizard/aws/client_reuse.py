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
- **Handlers copied on write**: each client's emitter starts as a copy of its session's table of handlers, a
  trie of about 400 nodes that botocore copies node by node (a tenth of an organization's audit CPU). The
  wizard's sessions keep it in a `SharedHandlerTrie`: a copy shares the nodes, and whichever side registers
  or unregisters a handler later copies only the nodes on that event name's path first. What each emitter
  calls, and in which order, is botocore's.
"""

from __future__ import annotations

import copy
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


Node = dict[str, Any]  # botocore's trie node: {"chunk": str | None, "children": {...}, "values": NodeList | None}


class SharedHandlerTrie(botocore.hooks._PrefixTrie):
    """botocore's prefix trie of event handlers, its copies sharing nodes until one side changes (see the module's
    note). A node belongs to the trie whose `_owner` token it carries; any other node is shared, and is copied
    (with its path from the root) before a change. Searching is botocore's own."""

    _root: Node
    _owner: object

    def __init__(self) -> None:
        super().__init__()
        self._owner = object()
        self._root["owner"] = self._owner

    @classmethod
    def sharing(cls, trie: botocore.hooks._PrefixTrie) -> SharedHandlerTrie:
        """A trie of the same handlers, sharing `trie`'s nodes (`trie` must not be changed afterwards)."""
        shared = cls.__new__(cls)
        shared._root, shared._owner = trie._root, object()
        return shared

    def __copy__(self) -> SharedHandlerTrie:
        copied = type(self).__new__(type(self))
        copied._root, copied._owner = self._root, object()
        self._owner = object()  # every node is shared now, this side's too
        return copied

    def _own(self, node: Node) -> Node:
        if node.get("owner") is self._owner:
            return node
        values = node["values"]
        return {
            "chunk": node["chunk"],
            "children": dict(node["children"]),
            "values": None if values is None else copy.copy(values),
            "owner": self._owner,
        }

    def _own_path(self, key_parts: list[str]) -> Node:
        """Make the nodes on `key_parts`'s path this trie's own, creating those missing; the last one."""
        self._root = self._own(self._root)
        node = self._root
        for part in key_parts:
            child = node["children"].get(part) or {"chunk": part, "values": None, "children": {}}
            node["children"][part] = self._own(child)
            node = node["children"][part]
        return node

    def append_item(self, key: str, value: Any, section: int = botocore.hooks._MIDDLE) -> None:
        node = self._own_path(key.split("."))
        if node["values"] is None:
            node["values"] = botocore.hooks.NodeList([], [], [])
        node["values"][section].append(value)

    def remove_item(self, key: str, value: Any) -> None:
        parts = key.split(".")
        node = self._root
        for part in parts:  # botocore's ValueError for a key that is not there, before anything is copied
            node = node["children"].get(part)
            if node is None:
                raise ValueError(f"key is not in trie: {key}")
        self._own_path(parts)
        super().remove_item(key, value)


def share_client_classes(botocore_session: Any) -> None:
    """Let a session the wizard made reuse the process's client classes and share its handlers with its clients'
    emitters until they change (see the module's note)."""
    _install()
    aliaser = botocore_session.get_component("event_emitter")
    _sharing_emitters.add(aliaser)
    emitter = getattr(aliaser, "_emitter", aliaser)
    if not isinstance(emitter._handlers, SharedHandlerTrie):
        emitter._handlers = SharedHandlerTrie.sharing(emitter._handlers)
        emitter._lookup_cache = {}
