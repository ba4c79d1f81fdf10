"""`FaultProxy`: start and stop it, add rules and handlers, and read what it saw (thread-safe throughout)."""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

from benchmarks.fault_proxy.faults import Action, Matcher, Rule, compile_match
from benchmarks.fault_proxy.handlers import HandleFunction, Handler
from benchmarks.fault_proxy.request_info import RequestInfo, RequestRecord
from benchmarks.fault_proxy.server import ProxyServer


class FaultProxy:
    """The proxy: `start()`/`close()` or a `with` block; `url` is where clients go. See the module docstring."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0, upstream_timeout: float = 60) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be http://host:port, not {upstream!r}")
        self.upstream = upstream
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_timeout = upstream_timeout
        self.host = host
        self.port = port
        self._lock = threading.Lock()  # rules, counters, records, connections
        self._state_lock = threading.Lock()  # start / stop
        self._rules: list[Rule] = []
        self._handlers: list[Handler] = []
        self._handler_errors: list[tuple[str, BaseException]] = []
        self._counts: Counter[tuple[str, str]] = Counter()
        self._faults: Counter[tuple[str, str]] = Counter()
        self._records: list[RequestRecord] = []
        self._active: dict[socket.socket, int] = {}
        self._server: ProxyServer | None = None
        self._thread: threading.Thread | None = None
        self._generation = itertools.count(1)
        self._current_generation = 0

    # -- life cycle ------------------------------------------------------------------------------------
    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def serving(self) -> bool:
        return self._server is not None

    def start(self) -> FaultProxy:
        """Listen (on a free port the first time when port=0, on the same port after that) and serve."""
        with self._state_lock:
            if self._server is not None:
                return self
            generation = next(self._generation)
            server = ProxyServer((self.host, self.port), self, generation)
            self.port = server.server_address[1]
            self._current_generation = generation
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: close the listening socket (new connections are refused) and every open connection."""
        with self._state_lock:
            server, thread = self._server, self._thread
            if server is None:
                return
            with self._lock:
                self._server = None
                self._current_generation = 0
            server.shutdown()
            server.server_close()
            if thread is not None:
                thread.join()
            with self._lock:
                active = list(self._active)
            for connection in active:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    on = start
    off = stop
    close = stop

    @contextlib.contextmanager
    def switched_off(self) -> Iterator[None]:
        """`with proxy.switched_off(): ...`: connections are refused inside the block."""
        self.off()
        try:
            yield
        finally:
            self.on()

    def _register(self, connection: socket.socket, generation: int) -> None:
        with self._lock:
            if generation == self._current_generation:
                self._active[connection] = generation
                return
        with contextlib.suppress(OSError):  # accepted just as the proxy was switched off
            connection.shutdown(socket.SHUT_RDWR)

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._active.pop(connection, None)

    # -- rules -----------------------------------------------------------------------------------------
    def add_rule(self, match: Matcher, action: Action) -> Rule:
        """Add a rule (tried after the ones already there); returns it, for `remove_rule`."""
        rule = Rule(match, action, remaining=action.times, _test=compile_match(match))
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove_rule(self, rule: Rule | str) -> int:
        """Remove one rule, or every rule added with this exact pattern string; returns how many went."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if not (r is rule or (isinstance(rule, str) and r.match == rule))]
            return before - len(self._rules)

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    # -- handlers --------------------------------------------------------------------------------------
    def add_handler(self, match: Matcher, handle: HandleFunction, name: str | None = None) -> Handler:
        """Put `handle(request, forward)` in the path of matching requests (inside the ones already there)."""
        label = name or str(getattr(handle, "__name__", "handler"))
        handler = Handler(match, handle, label, _test=compile_match(match))
        with self._lock:
            self._handlers.append(handler)
        return handler

    def remove_handler(self, handler: Handler) -> int:
        with self._lock:
            before = len(self._handlers)
            self._handlers = [h for h in self._handlers if h is not handler]
            return before - len(self._handlers)

    @property
    def handlers(self) -> list[Handler]:
        with self._lock:
            return list(self._handlers)

    @property
    def handler_errors(self) -> list[tuple[str, BaseException]]:
        """(handler name, exception) of every handler that raised instead of answering."""
        with self._lock:
            return list(self._handler_errors)

    def _handlers_for(self, info: RequestInfo) -> list[Handler]:
        with self._lock:
            chosen = [h for h in self._handlers if h.matches(info)]
            for handler in chosen:
                handler.hits += 1
            return chosen

    def _handler_failed(self, handler: Handler, problem: BaseException) -> None:
        with self._lock:
            self._handler_errors.append((handler.name, problem))

    def _decide(self, info: RequestInfo) -> tuple[float, Action | None]:
        """Count the request; the total delay and the fault (if any) that the rules give it."""
        pause = 0.0
        fault: Action | None = None
        with self._lock:
            self._counts[(info.service, info.operation)] += 1
            for rule in list(self._rules):
                if not rule.matches(info):
                    continue
                if rule.action.kind == "delay":
                    pause += rule.action.seconds
                    rule.hits += 1
                elif fault is None:
                    fault = rule.action
                    rule.hits += 1
                    self._faults[(info.key, rule.action.name)] += 1
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
        return pause, fault

    # -- what it saw ----------------------------------------------------------------------------------
    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def counts(self) -> Counter[tuple[str, str]]:
        """Requests received per (service, operation), faulted ones included (a copy)."""
        with self._lock:
            return Counter(self._counts)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def count(self, pattern: str = "*") -> int:
        """Requests received whose "service:Operation" matches `pattern`."""
        with self._lock:
            return sum(n for (s, o), n in self._counts.items() if fnmatch.fnmatchcase(f"{s}:{o}", pattern))

    @property
    def faults(self) -> Counter[tuple[str, str]]:
        """Faults injected per ("service:Operation", action name)."""
        with self._lock:
            return Counter(self._faults)

    @property
    def records(self) -> list[RequestRecord]:
        """Every finished request, in the order they finished."""
        with self._lock:
            return list(self._records)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults.clear()
            self._records.clear()
