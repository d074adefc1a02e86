"""HTTP/1.1 message framing over one socket, as RFC 9112 defines it: the client side only.

:class:`Connection` writes a request (request line, header fields, a body with its
``Content-Length``) and reads the answer: status line, header fields, and a body framed
by ``Transfer-Encoding: chunked`` (§7.1), ``Content-Length`` (§6.3) or the connection's
close (§6.3 rule 8); interim 1xx answers are skipped (§15.2). It replaces the standard
library's ``http.client`` on the plain ``http://`` path, whose import (``email.parser``,
``ssl``) costs a short-lived ``sigstack sign-blob`` ~15 ms (docs/benchmarks.md). No
pipelining, no TLS: ``https`` stays with httpx.

Strict where the RFC requires it of a client (§6.3: conflicting ``Content-Length`` values,
a ``Transfer-Encoding`` other than chunked last, a bad chunk size, obsolete line folding
§5.2) and bounded (line length, number of fields), so a broken or hostile peer gives a
:class:`ProtocolError` naming what was wrong rather than a hang or unbounded memory.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator

__all__ = ["Connection", "Headers", "ProtocolError", "Reply"]

_MAX_LINE = 65536
_MAX_FIELDS = 200
_NO_BODY = frozenset({204, 304})
_HEX = b"0123456789abcdefABCDEF"


class ProtocolError(Exception):
    """The peer's answer is not HTTP/1.x as RFC 9112 frames it."""


class Headers:
    """Header fields in order, names case-insensitive; ``get`` gives the first value."""

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields = list(fields)

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        for key, value in self._fields:
            if key.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self._fields if key.lower() == wanted]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._fields)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def content_charset(self) -> str | None:
        """The ``charset`` parameter of ``Content-Type``, lower-cased (RFC 9110 §8.3)."""
        for parameter in (self.get("content-type") or "").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"').lower() or None
        return None


class Reply:
    """One answer: status, version (10 or 11), fields, body (still content-coded)."""

    def __init__(
        self, status: int, version: int, headers: Headers, content: bytes, will_close: bool
    ) -> None:
        self.status = status
        self.version = version
        self.headers = headers
        self.content = content
        self.will_close = will_close


class Connection:
    """One TCP connection to ``host:port``; :meth:`connect` before the first request."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.sock: socket.socket | None = None
        self._buffer = b""

    def connect(self, timeout: float | None) -> None:
        # an ASCII host goes to getaddrinfo as bytes: a str is IDNA-encoded first, which
        # loads encodings.idna, stringprep and unicodedata (~1.5 ms) for nothing
        host: str | bytes = self.host.encode("ascii") if self.host.isascii() else self.host
        self.sock = socket.create_connection((host, self.port), timeout)  # type: ignore[arg-type]
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self._buffer = b""

    def request(
        self, method: str, target: str, fields: Iterable[tuple[str, str]], body: bytes | None
    ) -> Reply:
        """Send one request (§3) and read its answer (§4, §6)."""
        if self.sock is None:
            raise ProtocolError("the connection is not open")
        head = [f"{method} {target} HTTP/1.1"]
        for name, value in fields:
            if any(c in name + value for c in "\r\n\0"):
                raise ProtocolError(f"a header field may not hold CR, LF or NUL: {name!r}")
            head.append(f"{name}: {value}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(data + body if body else data)
        while True:
            status, version, headers = self._head()
            if status >= 200 or status == 101:
                break  # 1xx other than 101 are interim (§15.2): the real answer follows
        will_close = version == 10 or "close" in _tokens(headers.get_all("connection"))
        if version == 10 and "keep-alive" in _tokens(headers.get_all("connection")):
            will_close = False
        if method == "HEAD" or status in _NO_BODY or status < 200:
            return Reply(status, version, headers, b"", will_close)
        codings = _tokens(headers.get_all("transfer-encoding"))
        if codings:
            if codings[-1] != "chunked":
                raise ProtocolError(
                    f"expected chunked as the last transfer coding, found {codings}"
                )
            return Reply(status, version, headers, self._chunked(), will_close)
        lengths = {v.strip() for v in ",".join(headers.get_all("content-length")).split(",") if v}
        if len(lengths) > 1:
            raise ProtocolError(f"conflicting Content-Length values {sorted(lengths)}")
        if lengths:
            (text,) = lengths
            if not text.isdigit() or not text.isascii():
                raise ProtocolError(f"expected a decimal Content-Length, found {text!r}")
            return Reply(status, version, headers, self._exactly(int(text)), will_close)
        return Reply(status, version, headers, self._until_close(), True)

    # -- reading -------------------------------------------------------------------------

    def _fill(self) -> bool:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
                return line.removesuffix(b"\r")
            if len(self._buffer) > _MAX_LINE:
                raise ProtocolError(f"a line longer than {_MAX_LINE} bytes")
            if not self._fill():
                raise ProtocolError("the server closed the connection in the middle of a line")

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if not self._fill():
                raise ProtocolError(
                    f"the server closed the connection after {len(self._buffer)} of {size} bytes"
                )
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _until_close(self) -> bytes:
        while self._fill():
            pass
        data, self._buffer = self._buffer, b""
        return data

    def _head(self) -> tuple[int, int, Headers]:
        if not self._buffer and not self._fill():
            raise ProtocolError("the server disconnected without sending an answer")
        status_line = self._line().decode("latin-1")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if version not in ("HTTP/1.1", "HTTP/1.0") or not code.isdigit() or len(rest) < 3:
            raise ProtocolError(f"expected an HTTP/1.x status line, found {status_line[:80]!r}")
        fields: list[tuple[str, str]] = []
        while line := self._line():
            if line[:1] in (b" ", b"\t"):
                raise ProtocolError("obsolete line folding in the header fields (RFC 9112 §5.2)")
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                raise ProtocolError(f"expected 'name: value', found {line[:80]!r}")
            fields.append((name, value.strip(" \t")))
            if len(fields) > _MAX_FIELDS:
                raise ProtocolError(f"more than {_MAX_FIELDS} header fields")
        return int(code), 11 if version == "HTTP/1.1" else 10, Headers(fields)

    def _chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_text = self._line().split(b";", 1)[0].strip(b" \t")
            if not size_text or len(size_text) > 16 or size_text.strip(_HEX):
                raise ProtocolError(f"expected a hexadecimal chunk size, found {size_text[:20]!r}")
            size = int(size_text, 16)
            if size == 0:
                while self._line():  # trailer fields, ignored (§7.1.2)
                    pass
                return bytes(body)
            body += self._exactly(size)
            if self._line():
                raise ProtocolError("expected CRLF after a chunk's data")


def _tokens(values: list[str]) -> list[str]:
    return [t.strip().lower() for v in values for t in v.split(",") if t.strip()]
