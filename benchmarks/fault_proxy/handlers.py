"""Handlers: functions between the client and the upstream that answer a request or rewrite the answer."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from benchmarks.fault_proxy.faults import Matcher, error_response
from benchmarks.fault_proxy.request_info import CREDENTIAL_IN_HEADER, RequestInfo


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
    headers: Message
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
        match = CREDENTIAL_IN_HEADER.search(self.headers.get("Authorization", ""))
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
