"""The one place where sigstack's clients meet HTTP: requests, and statuses mapped to our errors.

Transport failures and unexpected statuses are :class:`~sigstack.errors.NetworkError`;
statuses with a meaning of their own map to the matching error (404 →
:class:`~sigstack.errors.NotFoundError`, 409 → :class:`~sigstack.errors.DuplicateEntryError`,
413 → :class:`~sigstack.errors.EntryTooLargeError`, 503 → :class:`~sigstack.errors.PushbackError`).
The message keeps the server's ``{"code", "message"}`` verbatim.

A :class:`Session` sends a client's requests: plain ``http://`` through the standard
library (:class:`~sigstack.clients._stdhttp.PlainPool`, the client's own or a
:class:`SharedTransport`'s), everything else — ``https``, or any httpx transport a caller
gives (tests' ``httpx.MockTransport``) — through httpx, imported on first such use. A
process that signs against a local stack never imports httpx (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from sigstack import __version__
from sigstack.clients._stdhttp import PlainPool, Unreachable, with_query
from sigstack.errors import (
    DuplicateEntryError,
    EntryTooLargeError,
    Error,
    FormatError,
    NetworkError,
    NotFoundError,
    PushbackError,
)

if TYPE_CHECKING:
    import ssl

    import httpx

#: Seconds to wait for connect, read and write (an entry write waits for integration).
DEFAULT_TIMEOUT = 30.0
_USER_AGENT = f"sigstack/{__version__}"
_INDEX_IN_MESSAGE = re.compile(r"at index (\d+)")
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{64})$")
_MAX_SHOWN = 300


class _Headers(Protocol):
    def get(self, name: str, default: Any = None, /) -> Any: ...


class _RequestLine(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> Any: ...


class Answer(Protocol):
    """What the clients read of an HTTP answer: an ``httpx.Response`` or a
    :class:`~sigstack.clients._stdhttp.PlainResponse`."""

    @property
    def status_code(self) -> int: ...
    @property
    def is_success(self) -> bool: ...
    @property
    def headers(self) -> _Headers: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    @property
    def request(self) -> _RequestLine: ...
    def json(self) -> Any: ...


def _server_message(response: Answer) -> str:
    """The ``message`` of a ``{"code", "message"}`` error body, else the start of the body."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    text = response.text.strip()
    return text[:_MAX_SHOWN] + ("…" if len(text) > _MAX_SHOWN else "") if text else "(no body)"


def _duplicate(response: Answer, message: str, where: str) -> Error:
    index_text = response.headers.get("x-log-index")
    if index_text is None:
        match = _INDEX_IN_MESSAGE.search(message)
        index_text = match.group(1) if match else None
    uuid = _UUID_TAIL.search(response.headers.get("etag", "").strip('"'))
    if index_text is None or not index_text.isdigit():
        return NetworkError(f"{where}: the log answered HTTP 409: {message}")
    leaf = bytes.fromhex(uuid.group(1)) if uuid else b""
    return DuplicateEntryError(f"{where}: {message}", index=int(index_text), leaf_hash=leaf)


def _status_error(response: Answer) -> Error:
    """The sigstack error for a non-2xx answer, with the server's message."""
    request = response.request
    where = f"{request.method} {request.url}"
    message = _server_message(response)
    status = response.status_code
    if status == 404:
        return NotFoundError(f"{where}: the log answered 404: {message}")
    if status == 409:
        return _duplicate(response, message, where)
    if status == 413:
        return EntryTooLargeError(f"{where}: the log answered 413: {message}")
    if status == 503:
        retry = response.headers.get("retry-after", "1")
        return PushbackError(
            f"{where}: the log answered 503: {message}",
            retry_after=int(retry) if retry.isdigit() else 1,
        )
    return NetworkError(f"{where}: the log answered HTTP {status}: {message}")


class Session:
    """Sends the requests of one client (see the module docstring for the route taken).

    ``transport``: ``None`` (the client's own plain pool; httpx's default transport for
    ``https``), a :class:`SharedTransport` (its pools), or any httpx transport (every
    request through it). ``headers`` go with every request (the User-Agent by default).
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | SharedTransport | None,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._transport = transport
        self._timeout = timeout
        self._headers = {"User-Agent": _USER_AGENT, **(headers or {})}
        self._pool: PlainPool | None = None
        self._client: httpx.Client | None = None

    def _plain(self) -> PlainPool | None:
        """The standard-library pool for ``http://``, unless an httpx transport was given."""
        if isinstance(self._transport, SharedTransport):
            return self._transport.plain_pool()
        if self._transport is None:
            if self._pool is None:
                self._pool = PlainPool()
            return self._pool
        return None

    def _httpx(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                transport=self._transport,  # type: ignore[arg-type]  # SharedTransport: duck-typed
                timeout=self._timeout,
                headers=self._headers,
            )
        return self._client

    def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """The answer to one request, whatever its status; :class:`Unreachable` if none."""
        pool = self._plain() if url[:7].lower() == "http://" else None
        if pool is not None:
            sent = {"Accept": "*/*", **self._headers, **(headers or {})}
            return pool.send(
                method,
                url,
                sent.items(),
                content,
                connect_timeout=self._timeout,
                read_timeout=self._timeout,
            )
        import httpx

        try:
            return self._httpx().request(method, url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise Unreachable(type(exc).__name__, str(exc)) from exc

    def close(self) -> None:
        """Release this client's own connections (a shared transport's stay open)."""
        if self._pool is not None:
            self._pool.close()
        if self._client is not None:
            self._client.close()


class HttpClient:
    """The plumbing shared by the log clients: base URL, error mapping, JSON decoding."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.BaseTransport | SharedTransport | None,
        timeout: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = Session(transport, timeout)

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: object = None,
        content: bytes | None = None,
    ) -> Answer:
        """Send one request; non-2xx answers and transport failures raise sigstack errors."""
        url = with_query(f"{self.base_url}/{path.lstrip('/')}", params)
        if content is None and json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self._session.send(method, url, content=content, headers=headers)
        except Unreachable as exc:
            raise NetworkError(f"{method} {url}: cannot reach the log ({exc.kind}: {exc})") from exc
        if not response.is_success:
            raise _status_error(response)
        return response

    def get_json(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> tuple[object, Answer]:
        response = self.request("GET", path, params=params)
        return decode_json(response), response

    def get_text(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        response = self.request("GET", path, params=params)
        try:
            return response.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"expected UTF-8 text from GET {response.request.url}, found byte "
                f"0x{response.content[exc.start]:02x} at offset {exc.start}",
                field="response",
            ) from exc


def decode_json(response: Answer) -> object:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"expected JSON from {response.request.method} {response.request.url}, "
            f"found {response.content[:60]!r}: {exc}",
            field="response",
        ) from exc


class ContextClosing:
    """``with Client(...) as client:`` closes the client on exit; subclasses define close()."""

    def close(self) -> None:
        """Release the connection pool."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Closing(ContextClosing):
    _http: HttpClient

    @property
    def base_url(self) -> str:
        """The log's URL, without a trailing slash."""
        return self._http.base_url

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()


@functools.cache
def _verified_tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process (it is read-only after)."""
    import httpx

    return httpx.create_ssl_context()


class SharedTransport:
    """One connection pool lent to several clients: keep-alive across the CA, TSA and log
    requests of one signing (the local stack serves all three on one port).

    A client's ``close()`` leaves the pool open; its owner calls :meth:`release` when done.
    Plain ``http`` goes through :class:`~sigstack.clients._stdhttp.PlainPool` (the standard
    library's ``http.client``): a process that only talks to a local stack imports neither
    httpx nor httpcore. ``https`` goes through httpx's own transport with httpx's
    certificate-verifying TLS context (certifi's CA bundle, or
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``; ~25 ms to load), built on the first ``https``
    request of the process and reused after. The clients' sessions know this class; to
    an ``httpx.Client`` it is a transport too (``handle_request``).
    """

    def __init__(self) -> None:
        self._plain: PlainPool | None = None
        self._tls: httpx.HTTPTransport | None = None

    def plain_pool(self) -> PlainPool:
        """The pool for ``http://`` requests, opened on first use."""
        if self._plain is None:
            self._plain = PlainPool()
        return self._plain

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx's transport interface: ``https`` through httpx, ``http`` through the pool."""
        if request.url.scheme == "https":
            if self._tls is None:
                import httpx

                self._tls = httpx.HTTPTransport(verify=_verified_tls_context())
            return self._tls.handle_request(request)
        from sigstack.clients._plain import PlainHTTPTransport

        return PlainHTTPTransport(self.plain_pool()).handle_request(request)

    def close(self) -> None:
        """Nothing: the pool outlives the clients it is lent to (see :meth:`release`)."""

    def release(self) -> None:
        """Close every pooled connection; the transport stays usable (it reconnects)."""
        if self._plain is not None:
            self._plain.close()
        if self._tls is not None:
            self._tls.close()
