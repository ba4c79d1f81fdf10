"""The fault proxy's own reading of an upstream's answers (benchmarks.fault_proxy.upstream), byte by byte."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from benchmarks.fault_proxy.upstream import UpstreamError, exchange


@pytest.fixture
def canned() -> Iterator[tuple[list[bytes], list[bytes], tuple[str, int]]]:
    """A server answering each connection with the next canned answer; (answers, requests seen, address)."""
    answers: list[bytes] = []
    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, _, rest = request.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(rest) < length:
                    rest += connection.recv(65536)
                seen.append(head + b"\r\n\r\n" + rest)
                connection.sendall(answers.pop(0))

    threading.Thread(target=serve, daemon=True).start()
    yield answers, seen, listener.getsockname()[:2]
    listener.close()


def test_a_length_delimited_answer_and_the_request_as_sent(canned) -> None:  # type: ignore[no-untyped-def]
    answers, seen, address = canned
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
    status, reason, headers, body = exchange(
        address, 5, "POST / HTTP/1.1", [("Host", "x"), ("Content-Length", "3")], b"a=b"
    )
    assert (status, reason, body) == (200, "OK", b"hello")
    assert ("Content-Type", "text/xml") in headers
    assert seen == [b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=b"]


def test_a_chunked_answer_with_trailers(canned) -> None:  # type: ignore[no-untyped-def]
    answers, _, address = canned
    answers.append(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    assert exchange(address, 5, "GET / HTTP/1.1", [], b"")[3] == b"wikipedia"


def test_an_answer_without_length_runs_to_the_end_of_the_connection(canned) -> None:  # type: ignore[no-untyped-def]
    answers, _, address = canned
    answers.append(b"HTTP/1.0 500 Internal Server Error\r\n\r\nall of it")
    status, reason, _, body = exchange(address, 5, "GET / HTTP/1.1", [], b"")
    assert (status, reason, body) == (500, "Internal Server Error", b"all of it")


def test_a_head_answer_has_no_body_whatever_its_length_says(canned) -> None:  # type: ignore[no-untyped-def]
    answers, _, address = canned
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
    assert exchange(address, 5, "HEAD /bucket HTTP/1.1", [], b"")[3] == b""


@pytest.mark.parametrize(
    "answer",
    [
        b"SSH-2.0-OpenSSH\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    ],
    ids=["not-http", "cut-short", "bad-length"],
)
def test_what_is_not_an_http_answer_is_an_upstream_error(canned, answer: bytes) -> None:  # type: ignore[no-untyped-def]
    answers, _, address = canned
    answers.append(answer)
    with pytest.raises(UpstreamError):
        exchange(address, 5, "GET / HTTP/1.1", [], b"")


def test_a_header_with_a_line_break_is_never_sent() -> None:
    with pytest.raises(UpstreamError, match="line break"):
        exchange(("127.0.0.1", 1), 5, "GET / HTTP/1.1", [("X-Evil", "a\r\nInjected: yes")], b"")


def test_nobody_listening_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="Connection refused"):
        exchange(("127.0.0.1", 1), 5, "GET / HTTP/1.1", [], b"")
