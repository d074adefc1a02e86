"""Plain ``http://`` for httpx clients over the standard library's ``http.client``.

:class:`PlainHTTPTransport` sends an :class:`httpx.Request` on a keep-alive
``http.client.HTTPConnection`` (one per host and port) and answers an
:class:`httpx.Response`, so the clients keep their httpx code (status mapping, JSON,
``Content-Encoding`` decoding) while a short-lived process — ``sigstack sign-blob``
against a local stack — does not import httpcore and h11 (~20 ms) for three requests.
Failures are httpx's own exceptions (``ConnectError``, ``ConnectTimeout``,
``ReadTimeout``, ``RemoteProtocolError``, ``ReadError``), which every client already
maps to :class:`~sigstack.errors.NetworkError`. ``https`` is refused: TLS stays with
httpx's verified transport.
"""

from __future__ import annotations

import http.client
import select
import threading

import httpx

__all__ = ["PlainHTTPTransport"]


def _seconds(request: httpx.Request, phase: str) -> float | None:
    """The request's timeout for ``phase`` ("connect" or "read"), as httpx's client set it."""
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get(phase)
    return None if value is None else float(value)


def _stale(connection: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket that is readable was closed (or spoken to) by the peer."""
    sock = connection.sock
    if sock is None:
        return False
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class PlainHTTPTransport(httpx.BaseTransport):
    """HTTP/1.1 without TLS, one keep-alive connection per (host, port).

    Meant for one sequence of requests at a time (one signing); requests from several
    threads are safe but take turns.
    """

    def __init__(self) -> None:
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}
        self._lock = threading.Lock()

    def _connection(self, request: httpx.Request) -> http.client.HTTPConnection:
        url = request.url
        key = (url.host, url.port or 80)
        connection = self._connections.get(key)
        if connection is not None and _stale(connection):
            connection.close()
        if connection is None:
            connection = http.client.HTTPConnection(key[0], key[1])
            self._connections[key] = connection
        if connection.sock is None:
            connection.timeout = _seconds(request, "connect")
            try:
                connection.connect()
            except TimeoutError as exc:
                raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
        connection.sock.settimeout(_seconds(request, "read"))
        return connection

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"expected an http:// URL for the plain transport, found {request.url.scheme}://",
                request=request,
            )
        with self._lock:
            return self._send(request)

    def _send(self, request: httpx.Request) -> httpx.Response:
        connection = self._connection(request)
        body = request.read()
        try:
            # httpx has set Host, Accept-Encoding, Content-Length, …: send them as they are
            connection.putrequest(
                request.method,
                request.url.raw_path.decode("ascii"),
                skip_host=True,
                skip_accept_encoding=True,
            )
            for name, value in request.headers.multi_items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            answer = connection.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except http.client.HTTPException as exc:
            connection.close()
            kind = type(exc).__name__
            raise httpx.RemoteProtocolError(f"{kind}: {exc}", request=request) from exc
        except OSError as exc:
            connection.close()
            raise httpx.ReadError(str(exc), request=request) from exc
        if answer.will_close:
            connection.close()
        return httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1" if answer.version == 11 else b"HTTP/1.0"},
        )

    def close(self) -> None:
        """Close every connection; the transport stays usable (it reconnects)."""
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()
