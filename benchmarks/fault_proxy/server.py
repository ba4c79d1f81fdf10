"""The HTTP side: one thread per client connection (kept alive), each request sent upstream on a connection of
its own (`upstream`); rules first, then handlers, then the upstream."""

from __future__ import annotations

import contextlib
import http.client
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from benchmarks.fault_proxy.faults import error_response
from benchmarks.fault_proxy.handlers import Handler, ProxyRequest, ProxyResponse
from benchmarks.fault_proxy.request_info import HOP_BY_HOP, UNKNOWN, RequestInfo, RequestRecord, classify
from benchmarks.fault_proxy.upstream import UpstreamError, exchange

if TYPE_CHECKING:
    from benchmarks.fault_proxy.proxy import FaultProxy


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], proxy: FaultProxy, generation: int) -> None:
        self.proxy = proxy
        self.generation = generation
        super().__init__(address, ConnectionHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError | http.client.HTTPException):
            return  # clients and switched-off servers close connections; that is not news
        super().handle_error(request, client_address)


class ConnectionHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ProxyServer

    def setup(self) -> None:
        super().setup()
        self.server.proxy._register(self.connection, self.server.generation)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.proxy._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        proxy = self.server.proxy
        started = time.monotonic()
        body = self._read_body()
        try:
            info = classify(self.command, self.path, self.headers, body)
        except Exception:  # never let a request the proxy cannot name go unanswered
            info = RequestInfo(UNKNOWN, UNKNOWN, UNKNOWN, "rest-json", self.command, self.path)
        pause, fault = proxy._decide(info)
        fault_name = fault.name if fault else None
        if pause > 0:
            time.sleep(pause)
        if fault is not None and fault.kind == "drop":
            proxy._record(RequestRecord(info, started, time.monotonic(), "drop", fault_name))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        answered_by: str | None = None
        if fault is not None:
            status, headers, data = error_response(
                info, fault.status, fault.code_for(info), fault.message, self.headers.get("Content-Type", "")
            )
            response = ProxyResponse(status, headers, data)
        else:
            request = ProxyRequest(info, self.command, self.path, self.headers, body)
            response, answered_by = self._through_handlers(request, proxy._handlers_for(info))
        # Recorded before the answer goes out, so a client that has its answer also finds the record.
        proxy._record(RequestRecord(info, started, time.monotonic(), response.status, fault_name, answered_by))
        try:
            self._answer(response.status, response.reason, response.headers, response.body)
        except OSError:
            self.close_connection = True  # the client left, or the proxy was switched off meanwhile

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

    def _answer(self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response_only(status, reason or None)
        length = str(len(data))
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length" and self.command == "HEAD":
                length = value  # a HEAD answer states the length of the body it does not send
            elif lower not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def _through_handlers(self, request: ProxyRequest, handlers: list[Handler]) -> tuple[ProxyResponse, str | None]:
        """The answer the handlers give (each wraps the next; the innermost forwards), and which handler
        answered without forwarding, if one did."""
        answered_by: list[str] = []

        def call(index: int) -> ProxyResponse:
            if index == len(handlers):
                return self._forward(request.info, request.body)
            handler = handlers[index]
            forwarded = False

            def forward() -> ProxyResponse:
                nonlocal forwarded
                forwarded = True
                return call(index + 1)

            try:
                response = handler.handle(request, forward)
            except Exception as problem:  # a broken handler must not leave the client hanging
                self.server.proxy._handler_failed(handler, problem)
                return request.error(500, "InternalFailure", f"fault proxy handler {handler.name} failed: {problem!r}")
            if not forwarded:
                answered_by.append(handler.name)
            return response

        response = call(0)
        return response, (answered_by[-1] if answered_by else None)

    def _forward(self, info: RequestInfo, body: bytes) -> ProxyResponse:
        proxy = self.server.proxy
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(body))))
        try:
            status, reason, answer_headers, data = exchange(
                (proxy.upstream_host, proxy.upstream_port),
                proxy.upstream_timeout,
                f"{self.command} {self.path} HTTP/1.1",
                headers,
                body,
            )
        except UpstreamError as problem:
            status, error_headers, data = error_response(
                info, 502, "BadGateway", f"fault proxy: upstream failed: {problem}"
            )
            return ProxyResponse(status, error_headers, data, "Bad Gateway")
        return ProxyResponse(status, answer_headers, data, reason)
