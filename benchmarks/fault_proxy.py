"""A fault-injecting HTTP reverse proxy for AWS API traffic, to put in front of a local moto server.

    with FaultProxy(upstream="http://127.0.0.1:5000") as proxy:
        client = boto3.client("ec2", endpoint_url=proxy.url, region_name="us-east-1")
        proxy.add_rule("ec2:DescribeSecurityGroups", deny())
        proxy.add_rule("*", delay(0.1))           # 100 ms more on every request
        proxy.add_rule("iam:GetAccountSummary", throttle(2))
        ...
        proxy.counts[("ec2", "DescribeVpcs")]     # requests seen, per (service, operation)
        proxy.off(); ...; proxy.on()              # stop serving (connections refused), then serve again

What it understands about each request (`RequestInfo`):

* service: the SigV4 credential scope of the Authorization header (or of X-Amz-Credential in a presigned
  URL), as the boto3 client name: scope "monitoring" is "cloudwatch", scope "s3" on a /v20180820/ path is
  "s3control".
* operation: `Action=` of a query-protocol request (form body or URL: iam, sts, ec2, sns, ...); the
  `X-Amz-Target` header of a JSON-protocol request (kms, logs, cloudtrail, config, cloudwatch); the path of
  a Smithy RPCv2-CBOR request; for REST protocols (s3, s3control, account, ...) the method, path and query
  matched against botocore's own service model (`GET /bucket?acl` is "GetBucketAcl", `POST
  /getAlternateContact` is "GetAlternateContact"). S3 must be addressed path-style (botocore does that for
  an IP endpoint). What it cannot name is counted as "?" (or "METHOD /path" for an unknown REST call).
* region and protocol ("query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor").

Rules: `add_rule(match, action)`. `match` is a pattern on "service:Operation" (fnmatch: "*", "ec2:*",
"ec2:Describe*", "kms:ListKeys"), several patterns, or a predicate on `RequestInfo`. Actions:

* `delay(seconds)`: wait that long before answering (accumulates with other matching delays).
* `throttle(n)`: the next n matching requests get ThrottlingException (HTTP 400).
* `deny()`: HTTP 403, AccessDeniedException (JSON protocols), AccessDenied (query, S3) or
  UnauthorizedOperation (EC2), as AWS answers.
* `error500()`: HTTP 500 InternalFailure (InternalError for EC2 and S3).
* `drop()`: read the request, then close the connection without an answer.
* `error(status, code, message)`: any other AWS error.

Every fault action takes `times=n` (apply to the next n matching requests only, then the rule retires).
Rules are tried in the order they were added: every matching delay applies, and the first matching fault
that still has uses left decides the answer; a request no fault claims goes to the upstream. Error bodies
follow the request's protocol, so botocore parses them into the usual `ClientError` codes:

* query: `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>...`
* ec2: `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors><RequestID>..`
* json: `{"__type": "ThrottlingException", "message": ".."}` with the request's x-amz-json content type
* rest-json: the same body plus the `X-Amzn-ErrorType` header
* rest-xml: `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`
* smithy-rpc-v2-cbor: a CBOR map `{"__type": .., "message": ..}`

Handlers: `add_handler(match, handle, name=None)` puts a function between the client and the upstream for the
requests `match` names (the same patterns or predicate as rules). `handle(request, forward)` gets a
`ProxyRequest` (its `info`, `method`, `target`, `headers`, `body`, and `form`, `json`, `access_key`,
`error(...)` helpers) and a `forward()` that sends the request on and returns the upstream's
`ProxyResponse` (`status`, `headers`, `body`; `replace(...)` copies it with changes). It returns the answer:
its own (an emulated AWS error, say), or what `forward()` gave, unchanged or rewritten. Handlers nest in the
order they were added (the first added sees the request first and the response last); rules go first, so a
fault or drop that claims a request is answered before any handler sees it. A handler that raises is answered
as HTTP 500 and kept in `handler_errors`. `remove_handler(handler)`, `handlers`.

`remove_rule(rule)` takes the object `add_rule` returned, or a pattern string (removes every rule added with
exactly that string); `clear_rules()` removes all. `off()` closes the listening socket and every open client
connection (clients get connection refused / connection closed); `on()` listens again on the same port;
`with proxy.switched_off(): ...` does both. An unreachable upstream is answered with 502 BadGateway.

What it saw: `counts` (Counter of (service, operation), faulted requests included), `count("ec2:*")`,
`total`, `faults` (Counter of ("service:Operation", action name)), `records` (every answered request:
`RequestInfo`, start and end `time.monotonic()`, HTTP status or "drop", fault name, and the name of the
handler that answered without forwarding, if one did), `reset_counts()`.

All methods are thread-safe, so a test can change rules or switch the proxy off while clients run. The proxy
serves each client connection on its own thread (HTTP/1.1 keep-alive both ways, TCP_NODELAY, listen backlog
256) and keeps one upstream connection per client connection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import http.client
import itertools
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

__all__ = [
    "Action",
    "FaultProxy",
    "Handler",
    "ProxyRequest",
    "ProxyResponse",
    "RequestInfo",
    "RequestRecord",
    "Rule",
    "delay",
    "deny",
    "drop",
    "error",
    "error500",
    "throttle",
]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "expect",
        "content-length",
    }
)
# Signing names that are not the boto3 client name.
SIGNING_NAME_TO_SERVICE = {"monitoring": "cloudwatch", "email": "ses", "states": "stepfunctions"}
UNKNOWN = "?"

_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")


# -- what a request is --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInfo:
    """What the proxy made of one request."""

    service: str
    operation: str
    region: str
    protocol: str
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True)
class RequestRecord:
    """One request: times are `time.monotonic()` (finished = answer ready); outcome: HTTP status or "drop"."""

    info: RequestInfo
    started: float
    finished: float
    outcome: int | str
    fault: str | None = None
    handler: str | None = None  # the handler that answered without forwarding


def _credential_scope(headers: http.client.HTTPMessage, query: dict[str, list[str]]) -> tuple[str, str]:
    """(region, signing name) from a SigV4 credential scope: AKID/date/region/service/aws4_request."""
    match = _CREDENTIAL.search(headers.get("Authorization", ""))
    credential = match.group(1) if match else (query.get("X-Amz-Credential") or [""])[0]
    parts = unquote(credential).split("/")
    if len(parts) >= 5:
        return parts[-3], parts[-2]
    return UNKNOWN, UNKNOWN


@dataclass(frozen=True)
class _Route:
    method: str
    segments: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]  # keys the URI and required query members fix
    headers: tuple[str, ...]  # required header members (CopyObject's x-amz-copy-source)
    name: str

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        literal = sum(not s.startswith("{") for s in self.segments)
        return (literal, len(self.query), len(self.headers), len(self.segments))


class _RestOperations:
    """Names REST operations the way botocore sends them, from the service model's http bindings."""

    def __init__(self, model: Any) -> None:
        self.protocol = str(model.metadata.get("protocol", "rest-json"))
        routes = []
        for name in model.operation_names:
            operation = model.operation_model(name)
            uri = operation.http.get("requestUri", "/")
            path, _, uri_query = uri.partition("?")
            query: dict[str, str | None] = {}
            for item in filter(None, uri_query.split("&")):
                key, sep, value = item.partition("=")
                query[key] = value if sep else None
            headers = []
            shape = operation.input_shape
            for member in shape.required_members if shape is not None else ():
                serialization = shape.members[member].serialization
                where, wire_name = serialization.get("location"), serialization.get("name", member)
                if where == "querystring":
                    query.setdefault(wire_name, None)
                elif where == "header":
                    headers.append(wire_name)
            segments = tuple(s for s in path.split("/") if s)
            routes.append(
                _Route(operation.http.get("method", "POST"), segments, tuple(query.items()), tuple(headers), name)
            )
        self._routes = sorted(routes, key=lambda r: r.specificity, reverse=True)

    @staticmethod
    def _path_matches(template: tuple[str, ...], actual: list[str]) -> bool:
        for index, segment in enumerate(template):
            if segment.startswith("{") and segment.endswith("+}"):
                return len(actual) > index
            if index >= len(actual):
                return False
            if not segment.startswith("{") and segment != actual[index]:
                return False
        return len(actual) == len(template)

    def operation(
        self, method: str, path: str, query: dict[str, list[str]], headers: http.client.HTTPMessage
    ) -> str | None:
        actual = [unquote(s) for s in path.split("/") if s]
        candidates = [
            route
            for route in self._routes
            if route.method == method
            and self._path_matches(route.segments, actual)
            and all(k in query and (v is None or v in query[k]) for k, v in route.query)
        ]
        # Required headers tell apart operations on the same path (PutObject, CopyObject); when a client
        # left one out, the best path-and-query match still names the request.
        for route in candidates:
            if all(h in headers for h in route.headers):
                return route.name
        return candidates[0].name if candidates else None


class _Models:
    """botocore service models, loaded once on first need (only REST protocols need them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: Any = None
        self._cache: dict[str, _RestOperations | None] = {}

    def rest(self, service: str) -> _RestOperations | None:
        with self._lock:
            if service not in self._cache:
                import botocore.exceptions
                import botocore.session

                if self._session is None:
                    self._session = botocore.session.get_session()
                try:
                    self._cache[service] = _RestOperations(self._session.get_service_model(service))
                except botocore.exceptions.UnknownServiceError:
                    self._cache[service] = None
            return self._cache[service]


_MODELS = _Models()


def classify(method: str, target: str, headers: http.client.HTTPMessage, body: bytes) -> RequestInfo:
    """Service, operation, region and protocol of one request (see the module docstring)."""
    split = urlsplit(target)
    path = split.path or "/"
    query = parse_qs(split.query, keep_blank_values=True)
    region, signing_name = _credential_scope(headers, query)
    service = SIGNING_NAME_TO_SERVICE.get(signing_name, signing_name)
    if signing_name == "s3" and path.startswith("/v20180820/"):
        service = "s3control"

    amz_target = headers.get("X-Amz-Target")
    if amz_target:
        operation = amz_target.rsplit(".", 1)[-1]
        return RequestInfo(service, operation, region, "json", method, path)
    if headers.get("smithy-protocol", "").lower() == "rpc-v2-cbor":
        operation = path.rstrip("/").rsplit("/", 1)[-1] or UNKNOWN
        return RequestInfo(service, operation, region, "smithy-rpc-v2-cbor", method, path)

    action = (query.get("Action") or [None])[0]
    if action is None and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = (form.get("Action") or [None])[0]
    if action:
        return RequestInfo(service, action, region, "ec2" if service == "ec2" else "query", method, path)

    rest = _MODELS.rest(service) if service != UNKNOWN else None
    if rest is None:
        protocol = "rest-json" if "json" in headers.get("Content-Type", "") else "rest-xml"
        return RequestInfo(service, f"{method} {path}", region, protocol, method, path)
    operation = rest.operation(method, path, query, headers) or f"{method} {path}"
    return RequestInfo(service, operation, region, rest.protocol, method, path)


# -- error answers --------------------------------------------------------------------------------------


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    if size < 24:
        head = bytes([0x60 | size])
    elif size < 0x100:
        head = bytes([0x78, size])
    else:
        head = bytes([0x79]) + size.to_bytes(2, "big")
    return head + data


def _cbor_map(values: dict[str, str]) -> bytes:
    assert len(values) < 24
    return bytes([0xA0 | len(values)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in values.items())


def error_response(
    info: RequestInfo, status: int, code: str, message: str, request_content_type: str = ""
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of an AWS error in the request's protocol."""
    request_id = str(uuid.uuid4())
    code_x, message_x = escape(code), escape(message)
    headers = [("x-amzn-RequestId", request_id)]
    if info.protocol == "query":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>'
            f"{'Receiver' if status >= 500 else 'Sender'}</Type><Code>{code_x}</Code>"
            f"<Message>{message_x}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif info.protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code_x}</Code>'
            f"<Message>{message_x}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif info.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = request_content_type if "amz-json" in request_content_type else "application/json"
        headers.append(("Content-Type", content_type))
        if info.protocol == "rest-json":
            headers.append(("X-Amzn-ErrorType", code))
    elif info.protocol == "smithy-rpc-v2-cbor":
        body = _cbor_map({"__type": code, "message": message})
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    else:  # rest-xml (S3, S3 Control, ...)
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code_x}</Code><Message>{message_x}'
            f"</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    if info.method == "HEAD":
        body = b""
    return status, headers, body


# -- rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """What a rule does. `kind` is "delay", "error" or "drop"; build them with the functions below."""

    kind: str
    seconds: float = 0.0
    status: int = 0
    code: str | Callable[[RequestInfo], str] = ""
    message: str = ""
    times: int | None = None  # None: every matching request
    name: str = ""

    def code_for(self, info: RequestInfo) -> str:
        return self.code(info) if callable(self.code) else self.code


def delay(seconds: float) -> Action:
    """Answer every matching request `seconds` later (added to any other matching delays)."""
    return Action("delay", seconds=seconds, name=f"delay({seconds})")


def throttle(n: int, *, code: str = "ThrottlingException", status: int = 400) -> Action:
    """The next `n` matching requests get a throttling error (botocore retries these; see its retry modes)."""
    return Action("error", status=status, code=code, message="Rate exceeded", times=n, name="throttle")


def _denied_code(info: RequestInfo) -> str:
    if info.protocol == "ec2":
        return "UnauthorizedOperation"
    if info.protocol in ("query", "rest-xml"):
        return "AccessDenied"
    return "AccessDeniedException"


def deny(*, code: str | None = None, times: int | None = None) -> Action:
    """HTTP 403 with the access-denied code AWS uses for the request's protocol (or `code`)."""
    return Action(
        "error",
        status=403,
        code=code or _denied_code,
        message="User: arn:aws:iam::123456789012:user/auditor is not authorized to perform this action",
        times=times,
        name="deny",
    )


def _internal_code(info: RequestInfo) -> str:
    return "InternalError" if info.protocol in ("ec2", "rest-xml") else "InternalFailure"


def error500(*, times: int | None = None) -> Action:
    """HTTP 500 InternalFailure (InternalError for EC2 and S3)."""
    return Action(
        "error", status=500, code=_internal_code, message="An internal error occurred", times=times, name="error500"
    )


def error(status: int, code: str, message: str = "injected fault", *, times: int | None = None) -> Action:
    """Any AWS error, in the request's protocol."""
    return Action("error", status=status, code=code, message=message, times=times, name=f"error({code})")


def drop(*, times: int | None = None) -> Action:
    """Read the request, then close the connection without answering."""
    return Action("drop", times=times, name="drop")


Matcher = str | Iterable[str] | Callable[[RequestInfo], bool]


@dataclass(eq=False)
class Rule:
    """A rule in force: `remaining` counts down for actions with `times`; `hits` counts what it did."""

    match: Matcher
    action: Action
    remaining: int | None = None
    hits: int = 0
    _test: Callable[[RequestInfo], bool] = field(default=lambda _: True, repr=False)

    def matches(self, info: RequestInfo) -> bool:
        return self._test(info)


def _compile(match: Matcher) -> Callable[[RequestInfo], bool]:
    if callable(match):
        return match
    patterns = [match] if isinstance(match, str) else list(match)
    for pattern in patterns:
        if pattern != "*" and ":" not in pattern:
            raise ValueError(f"rule pattern {pattern!r} is not 'service:Operation', 'service:*' or '*'")
    return lambda info: any(fnmatch.fnmatchcase(info.key, p) for p in patterns)


# -- handlers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyResponse:
    """An answer: from the upstream, or made by a handler. Content-Length is set when it is sent."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def replace(self, **changes: Any) -> ProxyResponse:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ProxyRequest:
    """One client request as a handler sees it (read-only: handlers answer, they do not edit requests)."""

    info: RequestInfo
    method: str
    target: str  # path and query, as sent
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def form(self) -> dict[str, str]:
        """Query-protocol parameters (URL query and form body; first value of each), e.g. {"Action": ..}."""
        values = {k: v[0] for k, v in self.query.items()}
        if "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            values.update({k: v[0] for k, v in form.items()})
        return values

    @property
    def json(self) -> Any:
        """A JSON-protocol body, parsed ({} when empty)."""
        return json.loads(self.body) if self.body.strip() else {}

    @property
    def access_key(self) -> str:
        """The access key id the request was signed with ("" when unsigned)."""
        match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        credential = match.group(1) if match else (self.query.get("X-Amz-Credential") or [""])[0]
        return unquote(credential).split("/")[0]

    @property
    def session_token(self) -> str | None:
        return self.headers.get("X-Amz-Security-Token")

    def error(self, status: int, code: str, message: str) -> ProxyResponse:
        """An AWS error in this request's protocol (what botocore parses into ClientError `code`)."""
        status, headers, body = error_response(self.info, status, code, message, self.headers.get("Content-Type", ""))
        return ProxyResponse(status, headers, body)


Forward = Callable[[], ProxyResponse]
HandleFunction = Callable[[ProxyRequest, Forward], ProxyResponse]


@dataclass(eq=False)
class Handler:
    """A handler in force (see `FaultProxy.add_handler`); `hits` counts the requests it saw."""

    match: Matcher
    handle: HandleFunction
    name: str
    hits: int = 0
    _test: Callable[[RequestInfo], bool] = field(default=lambda _: True, repr=False)

    def matches(self, info: RequestInfo) -> bool:
        return self._test(info)


# -- the server ---------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], proxy: FaultProxy, generation: int) -> None:
        self.proxy = proxy
        self.generation = generation
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError | http.client.HTTPException):
            return  # clients and switched-off servers close connections; that is not news
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self._upstream: http.client.HTTPConnection | None = None
        self.server.proxy._register(self.connection, self.server.generation)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.proxy._unregister(self.connection)
            if self._upstream is not None:
                self._upstream.close()

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
        for attempt in range(2):
            reused = self._upstream is not None
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=proxy.upstream_timeout
                )
            connection = self._upstream
            try:
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                data = response.read()
                if response.will_close:
                    connection.close()
                    self._upstream = None
                return ProxyResponse(response.status, response.getheaders(), data, response.reason)
            except (http.client.HTTPException, OSError) as problem:
                connection.close()
                self._upstream = None
                stale = reused and isinstance(
                    problem, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 0 and stale:
                    continue  # the upstream closed an idle keep-alive connection: one fresh try
                status, error_headers, data = error_response(
                    info, 502, "BadGateway", f"fault proxy: upstream failed: {problem!r}"
                )
                return ProxyResponse(status, error_headers, data, "Bad Gateway")
        raise AssertionError("unreachable")


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
        self._server: _Server | None = None
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
            server = _Server((self.host, self.port), self, generation)
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
        rule = Rule(match, action, remaining=action.times, _test=_compile(match))
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
        handler = Handler(match, handle, name or getattr(handle, "__name__", "handler"), _test=_compile(match))
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
