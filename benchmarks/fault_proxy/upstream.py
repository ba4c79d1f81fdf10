"""One request to the upstream and its answer, over a connection of its own, read without `http.client`.

moto's server (werkzeug's) closes the connection after every answer, so there is no connection to keep. And
`http.client` parses an answer's headers with the `email` package, which was a third of the proxy's CPU: in a
benchmark the proxy shares the machine's two cores with the audit it measures. The answer is read here as
HTTP/1.1 says: a status line, header lines up to an empty one, then a body of Content-Length bytes, in chunks,
or up to the end of the connection.
"""

from __future__ import annotations

import socket
from typing import BinaryIO

MAX_LINE = 65536
NO_BODY_STATUSES = frozenset({204, 304})


class UpstreamError(Exception):
    """The upstream could not be reached or its answer was not HTTP."""


def exchange(
    address: tuple[str, int],
    timeout: float,
    request_line: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """(status, reason, headers, body) of the upstream's answer to one request; UpstreamError if there is none."""
    head = [request_line, *(f"{name}: {value}" for name, value in headers), "Connection: close", "", ""]
    try:
        payload = "\r\n".join(_no_line_breaks(part) for part in head).encode("latin-1") + body
    except UnicodeEncodeError as problem:
        raise UpstreamError(f"a header cannot be sent: {problem}") from problem
    method = request_line.split(" ", 1)[0]
    try:
        with socket.create_connection(address, timeout=timeout) as connection:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.sendall(payload)
            with connection.makefile("rb") as answer:
                return _read_answer(answer, method)
    except (OSError, ValueError) as problem:  # ValueError: a length that is not a number
        raise UpstreamError(repr(problem)) from problem


def _no_line_breaks(part: str) -> str:
    if "\r" in part or "\n" in part:
        raise UpstreamError(f"a header holds a line break: {part!r}")
    return part


def _line(answer: BinaryIO) -> bytes:
    line = answer.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise UpstreamError("a line of the answer is too long")
    return line


def _read_answer(answer: BinaryIO, method: str) -> tuple[int, str, list[tuple[str, str]], bytes]:
    version, _, rest = _line(answer).decode("latin-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise UpstreamError(f"not an HTTP answer: {version} {rest}"[:200])
    status = int(code)
    headers: list[tuple[str, str]] = []
    while (line := _line(answer)) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    fields = {name.lower(): value for name, value in headers}
    if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
        data = b""
    elif "chunked" in fields.get("transfer-encoding", "").lower():
        data = _read_chunks(answer)
    elif "content-length" in fields:
        length = int(fields["content-length"])
        data = answer.read(length)
        if len(data) < length:
            raise UpstreamError(f"the answer ended after {len(data)} of {length} bytes")
    else:
        data = answer.read()
    return status, reason, headers, data


def _read_chunks(answer: BinaryIO) -> bytes:
    chunks = []
    while size := int(_line(answer).split(b";", 1)[0].strip() or b"0", 16):
        chunks.append(answer.read(size))
        _line(answer)
    while _line(answer) not in (b"\r\n", b"\n", b""):
        pass  # trailers
    return b"".join(chunks)
