"""Make each read once per audit, share it between threads, and hand its evidence to whichever check uses it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wizard.findings import Evidence

T = TypeVar("T")

_current_recorder: ContextVar[list[Evidence] | None] = ContextVar("evidence_recorder", default=None)


@contextmanager
def recording_evidence() -> Iterator[list[Evidence]]:
    """Within this block, every cached read that is used adds its evidence to the yielded list."""
    recorded: list[Evidence] = []
    token = _current_recorder.set(recorded)
    try:
        yield recorded
    finally:
        _current_recorder.reset(token)


@dataclass
class _Entry:
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None
    evidence: list[Evidence] = field(default_factory=list)


class ReadCache:
    """Memoises reads by key. The first caller computes; concurrent callers wait for that one result."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[list[Evidence]], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry()
        if owner:
            try:
                entry.value = compute(entry.evidence)
            except BaseException as error:  # kept and re-raised to every caller of this key
                entry.error = error
            finally:
                entry.done.set()
        else:
            entry.done.wait()
        recorder = _current_recorder.get()
        if recorder is not None:
            already = {id(e) for e in recorder}
            recorder.extend(e for e in entry.evidence if id(e) not in already)
        if entry.error is not None:
            raise entry.error
        return entry.value  # type: ignore[no-any-return]
