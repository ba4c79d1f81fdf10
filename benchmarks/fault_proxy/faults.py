"""The faults a rule injects (delays, throttling, denials, 500s, drops) and AWS error answers written in the
request's own protocol, so botocore parses them into the usual `ClientError` codes."""

from __future__ import annotations

import fnmatch
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from benchmarks.fault_proxy.request_info import RequestInfo

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


def compile_match(match: Matcher) -> Callable[[RequestInfo], bool]:
    if callable(match):
        return match
    patterns = [match] if isinstance(match, str) else list(match)
    for pattern in patterns:
        if pattern != "*" and ":" not in pattern:
            raise ValueError(f"rule pattern {pattern!r} is not 'service:Operation', 'service:*' or '*'")
    return lambda info: any(fnmatch.fnmatchcase(info.key, p) for p in patterns)


# -- handlers -----------------------------------------------------------------------------------------
