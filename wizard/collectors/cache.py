"""Make each read once per audit, share it between threads, and hand its evidence to whichever check uses it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from wizard.audit.findings import Evidence
from wizard.collectors.api import trim_for_evidence

T = TypeVar("T")
ReadCompute = Callable[[list[Evidence]], Any]  # how a cached read is made (given the list its evidence goes to)
ReadLog = dict[Hashable, ReadCompute]

_current_reads: ContextVar[ReadLog | None] = ContextVar("read_recorder", default=None)
_current_recorder: ContextVar[list[Evidence] | None] = ContextVar("evidence_recorder", default=None)
_current_citations: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("evidence_citations", default=None)


@contextmanager
def recording_evidence() -> Iterator[list[Evidence]]:
    """Within this block, every cached read that is used adds its evidence to the yielded list.

    When the block ends, responses a check narrowed with `cite` replace the full ones.
    """
    recorded: list[Evidence] = []
    citations: dict[tuple[str, str], Any] = {}
    token = _current_recorder.set(recorded)
    cite_token = _current_citations.set(citations)
    try:
        yield recorded
    finally:
        _current_recorder.reset(token)
        _current_citations.reset(cite_token)
        for index, evidence in enumerate(recorded):
            key = (evidence.operation, evidence.region)
            if key in citations:
                recorded[index] = replace(evidence, response=citations[key])


def cite(operation: str, region: str, response: Any) -> None:
    """Show, as the evidence of `operation` in `region`, only the part of its response that decided."""
    citations = _current_citations.get()
    if citations is not None:
        citations[(operation, region)] = trim_for_evidence(response)


@contextmanager
def recording_reads(into: ReadLog | None = None) -> Iterator[ReadLog]:
    """Within this block, every cached read that is used is noted (its key, and how to make it again), so
    that what a check or a fix builder read can be read afresh later (before a plan runs)."""
    reads: ReadLog = {} if into is None else into
    token = _current_reads.set(reads)
    try:
        yield reads
    finally:
        _current_reads.reset(token)


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
        reads = _current_reads.get()
        if reads is not None:
            reads.setdefault(key, compute)
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
        return entry.value
