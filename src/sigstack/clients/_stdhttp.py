"""Plain ``http://`` without httpx: a keep-alive pool over :mod:`sigstack.clients._http1`.

:class:`PlainPool` keeps one keep-alive :class:`~sigstack.clients._http1.Connection` per
host and port and answers a :class:`PlainResponse`, which has the part of ``httpx.Response``
the clients read (``status_code``, ``is_success``, ``headers.get``, ``content``, ``text``,
``json()``, ``request.method``/``request.url``). A short-lived process that only talks to a
local stack (``sigstack sign-blob``) then imports neither httpx nor ``http.client``
(docs/benchmarks.md); the clients take this path for ``http://`` URLs unless a caller gives
them an httpx transport. :class:`~sigstack.clients._plain.PlainHTTPTransport` puts the same
pool behind httpx's transport interface.

A peer that cannot be reached, stalls or breaks the protocol raises :class:`Unreachable`
with httpx's name for that failure (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``,
``RemoteProtocolError``, ``ReadError``), which the clients turn into
:class:`~sigstack.errors.NetworkError` exactly as they do httpx's exceptions.
"""

from __future__ import annotations

import json
import select
import threading
import zlib
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode, urlsplit

from sigstack.clients._http1 import Connection, Headers, ProtocolError

__all__ = ["PlainPool", "PlainResponse", "RequestLine", "Unreachable", "with_query"]


class Unreachable(Exception):
    """The request got no HTTP answer; ``kind`` is httpx's name for the failure."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class RequestLine:
    """What an error message names: ``{method} {url}``."""

    __slots__ = ("method", "url")

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url


class PlainResponse:
    """An HTTP answer, body read and ``Content-Encoding`` (gzip, deflate) undone."""

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        content: bytes,
        request: RequestLine,
        http_version: str,
    ) -> None:
        self.status_code = status_code
        self.headers = headers  # case-insensitive ``get``, repeated headers kept
        self.content = content
        self.request = request
        self.http_version = http_version

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        charset = self.headers.content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> object:
        return json.loads(self.content)


def with_query(url: str, params: Mapping[str, str | int] | None) -> str:
    """``url`` with ``params`` as its query (form-encoded, as httpx encodes them)."""
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _decoded(content: bytes, encoding: str | None, request: RequestLine) -> bytes:
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                content = zlib.decompress(content, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    content = zlib.decompress(content)
                except zlib.error:
                    content = zlib.decompress(content, -zlib.MAX_WBITS)
            else:
                raise Unreachable("DecodingError", f"unsupported Content-Encoding {coding!r}")
        except zlib.error as exc:
            raise Unreachable("DecodingError", f"{coding} body does not decode: {exc}") from exc
    return content


def _stale(connection: Connection) -> bool:
    """An idle keep-alive socket that is readable was closed (or spoken to) by the peer."""
    sock = connection.sock
    if sock is None:
        return False
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class PlainPool:
    """HTTP/1.1 without TLS, one keep-alive connection per (host, port).

    Meant for one sequence of requests at a time (one signing); requests from several
    threads are safe but take turns.
    """

    def __init__(self) -> None:
        self._connections: dict[tuple[str, int], Connection] = {}
        self._lock = threading.Lock()

    def _connection(
        self, host: str, port: int, connect_timeout: float | None, read_timeout: float | None
    ) -> Connection:
        key = (host, port)
        connection = self._connections.get(key)
        if connection is not None and _stale(connection):
            connection.close()
        if connection is None:
            connection = self._connections[key] = Connection(host, port)
        if connection.sock is None:
            try:
                connection.connect(connect_timeout)
            except TimeoutError as exc:
                raise Unreachable("ConnectTimeout", str(exc) or "timed out") from exc
            except OSError as exc:
                raise Unreachable("ConnectError", str(exc)) from exc
        assert connection.sock is not None
        connection.sock.settimeout(read_timeout)
        return connection

    def send(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        decode: bool = True,
    ) -> PlainResponse:
        """Send one request to an ``http://`` URL; the answer, whatever its status.

        ``headers`` are sent as given; ``Host`` is added unless present, and
        ``Content-Length`` for a body unless present. ``decode=False`` leaves a
        ``Content-Encoding`` in place (for httpx, which undoes it itself).
        """
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise Unreachable(
                "UnsupportedProtocol", f"expected an http:// URL for the plain pool, found {url!r}"
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = list(headers)
        names = {name.lower() for name, _ in sent}
        if "host" not in names:
            sent.insert(0, ("Host", parts.netloc.rsplit("@", 1)[-1]))
        if body is not None and "content-length" not in names:
            sent.append(("Content-Length", str(len(body))))
        with self._lock:
            connection = self._connection(
                parts.hostname, parts.port or 80, connect_timeout, read_timeout
            )
            try:
                answer = connection.request(method, target, sent, body)
            except TimeoutError as exc:
                connection.close()
                raise Unreachable("ReadTimeout", str(exc) or "timed out") from exc
            except ProtocolError as exc:
                connection.close()
                raise Unreachable("RemoteProtocolError", str(exc)) from exc
            except OSError as exc:
                connection.close()
                raise Unreachable("ReadError", str(exc)) from exc
            if answer.will_close:
                connection.close()
        line = RequestLine(method, url)
        content = answer.content
        return PlainResponse(
            answer.status,
            answer.headers,
            _decoded(content, answer.headers.get("content-encoding"), line) if decode else content,
            line,
            "HTTP/1.1" if answer.version == 11 else "HTTP/1.0",
        )

    def close(self) -> None:
        """Close every connection; the pool stays usable (it reconnects)."""
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()
