"""HTTP/1.1 framing (RFC 9112) against a socket that answers canned bytes: every framing the
client must read, and every malformed answer refused with its reason."""

from __future__ import annotations

import socket
import threading

import pytest

from sigstack.clients._http1 import Connection, ProtocolError


def _run(replies: list[bytes], *requests: tuple[str, bytes | None]) -> list[object]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    pending = list(replies)
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            for reply in pending:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                seen.append(data)
                conn.sendall(reply)
            conn.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    connection = Connection("127.0.0.1", listener.getsockname()[1])
    connection.connect(5.0)
    results: list[object] = []
    try:
        for method, body in requests:
            try:
                results.append(connection.request(method, "/p?q=1", [("Host", "h")], body))
            except ProtocolError as exc:
                results.append(exc)
                break
    finally:
        connection.close()
        thread.join(5)
        listener.close()
    results.append(seen)
    return results


def test_content_length_and_keep_alive() -> None:
    a, b, seen = _run(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello",
            b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\n{}",
        ],
        ("GET", None),
        ("POST", b'{"n":1}'),
    )
    assert (a.status, a.version, a.content, a.will_close) == (200, 11, b"hello", False)  # type: ignore[attr-defined]
    assert a.headers.content_charset() == "utf-8"  # type: ignore[attr-defined]
    assert (b.status, b.content, b.headers.get_all("X-A")) == (201, b"{}", ["1", "2"])  # type: ignore[attr-defined]
    assert "x-A" in b.headers and "missing" not in b.headers  # type: ignore[attr-defined]
    assert seen[0] == b"GET /p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"  # type: ignore[index]
    assert seen[1].startswith(b"POST /p?q=1 HTTP/1.1\r\n")  # type: ignore[index]


def test_chunked_with_extensions_and_trailers() -> None:
    reply = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n"
    )
    a, b, _ = _run([reply, b"HTTP/1.1 204 No Content\r\n\r\n"], ("GET", None), ("GET", None))
    assert a.content == b"Wikipedia"  # type: ignore[attr-defined]
    assert (b.status, b.content) == (204, b"")  # type: ignore[attr-defined]


def test_interim_answers_are_skipped_and_http10_reads_to_close() -> None:
    (a, _) = _run(
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil the end"], ("GET", None)
    )
    assert (a.status, a.version, a.content, a.will_close) == (200, 10, b"until the end", True)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"", "disconnected without sending an answer"),
        (b"HTTP/2 200 OK\r\n\r\n", "expected an HTTP/1.x status line"),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", "expected an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "conflicting Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "expected a decimal Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "after 3 of 10 bytes"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nx", "chunked as the last transfer coding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\n", "hexadecimal chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", "CRLF after a chunk"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n", "obsolete line folding"),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "expected 'name: value'"),
        (b"HTTP/1.1 200 OK\r\nA: " + b"x" * 70000, "a line longer than 65536 bytes"),
    ],
    ids=[
        "no-answer", "http2", "bad-status", "two-lengths", "negative-length", "short-body",
        "not-chunked-last", "bad-chunk-size", "chunk-without-crlf", "folding", "no-colon",
        "long-line",
    ],
)  # fmt: skip
def test_malformed_answers_are_refused(reply: bytes, reason: str) -> None:
    result, _ = _run([reply], ("GET", None))
    assert isinstance(result, ProtocolError)
    assert reason in str(result)


def test_header_injection_is_refused() -> None:
    connection = Connection("127.0.0.1", 1)
    connection.sock = socket.socket()  # never used: the request is refused before sending
    try:
        with pytest.raises(ProtocolError, match="may not hold CR, LF or NUL"):
            connection.request("GET", "/", [("X", "a\r\nInjected: 1")], None)
    finally:
        connection.close()
