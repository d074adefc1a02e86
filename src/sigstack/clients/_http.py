"""The one place where httpx meets sigstack: requests, and statuses mapped to our errors.

Transport failures and unexpected statuses are :class:`~sigstack.errors.NetworkError`;
statuses with a meaning of their own map to the matching error (404 →
:class:`~sigstack.errors.NotFoundError`, 409 → :class:`~sigstack.errors.DuplicateEntryError`,
413 → :class:`~sigstack.errors.EntryTooLargeError`, 503 → :class:`~sigstack.errors.PushbackError`).
The message keeps the server's ``{"code", "message"}`` verbatim.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from sigstack import __version__
from sigstack.clients._plain import PlainHTTPTransport
from sigstack.errors import (
    DuplicateEntryError,
    EntryTooLargeError,
    Error,
    FormatError,
    NetworkError,
    NotFoundError,
    PushbackError,
)

#: Seconds to wait for connect, read and write (an entry write waits for integration).
DEFAULT_TIMEOUT = 30.0
_USER_AGENT = f"sigstack/{__version__}"
_INDEX_IN_MESSAGE = re.compile(r"at index (\d+)")
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{64})$")
_MAX_SHOWN = 300


def _server_message(response: httpx.Response) -> str:
    """The ``message`` of a ``{"code", "message"}`` error body, else the start of the body."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    text = response.text.strip()
    return text[:_MAX_SHOWN] + ("…" if len(text) > _MAX_SHOWN else "") if text else "(no body)"


def _duplicate(response: httpx.Response, message: str, where: str) -> Error:
    index_text = response.headers.get("x-log-index")
    if index_text is None:
        match = _INDEX_IN_MESSAGE.search(message)
        index_text = match.group(1) if match else None
    uuid = _UUID_TAIL.search(response.headers.get("etag", "").strip('"'))
    if index_text is None or not index_text.isdigit():
        return NetworkError(f"{where}: the log answered HTTP 409: {message}")
    leaf = bytes.fromhex(uuid.group(1)) if uuid else b""
    return DuplicateEntryError(f"{where}: {message}", index=int(index_text), leaf_hash=leaf)


def _status_error(response: httpx.Response) -> Error:
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


class HttpClient:
    """httpx plumbing shared by both clients: base URL, error mapping, JSON decoding."""

    def __init__(
        self, base_url: str, transport: httpx.BaseTransport | None, timeout: float
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": _USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: object = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request; non-2xx answers and transport failures raise sigstack errors."""
        try:
            if content is None and json_body is not None:
                content = json.dumps(json_body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json"} if content is not None else None
            response = self._client.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            try:
                url = str(exc.request.url)
            except RuntimeError:  # raised before a request was built
                url = f"{self.base_url}{path}"
            kind = type(exc).__name__
            raise NetworkError(f"{method} {url}: cannot reach the log ({kind}: {exc})") from exc
        if not response.is_success:
            raise _status_error(response)
        return response

    def get_json(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> tuple[object, httpx.Response]:
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


def decode_json(response: httpx.Response) -> object:
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
    return httpx.create_ssl_context()


class SharedTransport(httpx.BaseTransport):
    """One connection pool lent to several clients: keep-alive across the CA, TSA and log
    requests of one signing (the local stack serves all three on one port).

    A client's ``close()`` leaves the pool open; its owner calls :meth:`release` when done.
    ``https`` goes through httpx's own transport with httpx's certificate-verifying TLS
    context (certifi's CA bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``; ~25 ms to load),
    built on the first ``https`` request of the process and reused after.
    Plain ``http`` goes through :class:`~sigstack.clients._plain.PlainHTTPTransport` (the
    standard library's ``http.client``), so a process that only talks to a local stack
    does not import httpcore either.
    """

    def __init__(self) -> None:
        self._plain: PlainHTTPTransport | None = None
        self._tls: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                self._tls = httpx.HTTPTransport(verify=_verified_tls_context())
            return self._tls.handle_request(request)
        if self._plain is None:
            self._plain = PlainHTTPTransport()
        return self._plain.handle_request(request)

    def close(self) -> None:
        """Nothing: the pool outlives the clients it is lent to (see :meth:`release`)."""

    def release(self) -> None:
        """Close every pooled connection; the transport stays usable (it reconnects)."""
        if self._plain is not None:
            self._plain.close()
        if self._tls is not None:
            self._tls.close()
