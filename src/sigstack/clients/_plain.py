"""Plain ``http://`` for httpx clients: :class:`PlainHTTPTransport`, an httpx transport over
:class:`~sigstack.clients._stdhttp.PlainPool` (our HTTP/1.1 framing,
:mod:`sigstack.clients._http1`).

The clients' own ``http://`` requests use the pool directly (no httpx at all); this
adapter serves code that holds an ``httpx.Client`` and wants the same keep-alive pool
without httpcore and h11. Requests go out with the headers httpx set (Host,
Accept-Encoding, Content-Length, …); answers come back as :class:`httpx.Response`
(``Content-Encoding`` undone by httpx). Failures are httpx's own exceptions
(``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``,
``ReadError``), which every client already maps to :class:`~sigstack.errors.NetworkError`.
``https`` is refused: TLS stays with httpx's verified transport.
"""

from __future__ import annotations

import httpx

from sigstack.clients._http1 import Connection
from sigstack.clients._stdhttp import PlainPool, Unreachable

__all__ = ["PlainHTTPTransport"]


def _seconds(request: httpx.Request, phase: str) -> float | None:
    """The request's timeout for ``phase`` ("connect" or "read"), as httpx's client set it."""
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get(phase)
    return None if value is None else float(value)


class PlainHTTPTransport(httpx.BaseTransport):
    """HTTP/1.1 without TLS, one keep-alive connection per (host, port).

    Meant for one sequence of requests at a time (one signing); requests from several
    threads are safe but take turns.
    """

    def __init__(self, pool: PlainPool | None = None) -> None:
        self._pool = pool if pool is not None else PlainPool()

    @property
    def _connections(self) -> dict[tuple[str, int], Connection]:
        return self._pool._connections

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"expected an http:// URL for the plain transport, found {request.url.scheme}://",
                request=request,
            )
        try:
            answer = self._pool.send(
                request.method,
                str(request.url),
                request.headers.multi_items(),
                request.read() or None,
                connect_timeout=_seconds(request, "connect"),
                read_timeout=_seconds(request, "read"),
                decode=False,
            )
        except Unreachable as exc:
            failure: type[httpx.TransportError] = getattr(httpx, exc.kind, httpx.TransportError)
            raise failure(str(exc), request=request) from exc
        return httpx.Response(
            answer.status_code,
            headers=answer.headers.items(),
            content=answer.content,
            request=request,
            extensions={"http_version": answer.http_version.encode()},
        )

    def close(self) -> None:
        """Close every connection; the transport stays usable (it reconnects)."""
        self._pool.close()
