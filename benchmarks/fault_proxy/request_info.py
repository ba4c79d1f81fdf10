"""What a request to AWS is: its service, operation, region and protocol, read from its signature, headers
and body (for REST protocols, matched against botocore's own service models)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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

CREDENTIAL_IN_HEADER = re.compile(r"Credential=([^,\s]+)")


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


def _credential_scope(headers: Message, query: dict[str, list[str]]) -> tuple[str, str]:
    """(region, signing name) from a SigV4 credential scope: AKID/date/region/service/aws4_request."""
    match = CREDENTIAL_IN_HEADER.search(headers.get("Authorization", ""))
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

    def operation(self, method: str, path: str, query: dict[str, list[str]], headers: Message) -> str | None:
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


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def classify(method: str, target: str, headers: Message, body: bytes) -> RequestInfo:
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

    action = _first(query.get("Action"))
    if action is None and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = _first(form.get("Action"))
    if action:
        return RequestInfo(service, action, region, "ec2" if service == "ec2" else "query", method, path)

    rest = _MODELS.rest(service) if service != UNKNOWN else None
    if rest is None:
        protocol = "rest-json" if "json" in headers.get("Content-Type", "") else "rest-xml"
        return RequestInfo(service, f"{method} {path}", region, protocol, method, path)
    operation = rest.operation(method, path, query, headers) or f"{method} {path}"
    return RequestInfo(service, operation, region, rest.protocol, method, path)
