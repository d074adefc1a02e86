"""HTTP plumbing of the registry client: scheme and TLS, authentication, error mapping.

Statuses map to sigstack errors with the registry's error codes (distribution-spec
§"Error Codes": ``{"errors": [{"code", "message", "detail"}]}``): 401/403 →
:class:`~sigstack.errors.AuthenticationError`, 404 → :class:`~sigstack.errors.NotFoundError`,
400 → :class:`~sigstack.errors.FormatError` (the registry refuses what we sent), anything
else and transport failures → :class:`~sigstack.errors.NetworkError`.

Plain HTTP is used only for loopback hosts, or when the caller says ``allow_insecure``:
credentials and unverified content would otherwise cross the network in the clear.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import ssl
from collections.abc import Mapping
from pathlib import Path

import httpx

from sigstack import __version__
from sigstack.clients.registry.auth import Challenge, parse_challenges, repository_scope
from sigstack.clients.registry.credentials import CredentialLookup, CredentialSource
from sigstack.errors import (
    AuthenticationError,
    Error,
    FormatError,
    NetworkError,
    NotFoundError,
    UnsupportedError,
)

__all__ = ["DEFAULT_TIMEOUT", "Session", "is_loopback"]

DEFAULT_TIMEOUT = 60.0
_USER_AGENT = f"sigstack/{__version__}"
_MAX_SHOWN = 300


def _host_only(registry: str) -> str:
    if registry.startswith("["):
        return registry[1:].split("]", 1)[0]
    return registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry


def is_loopback(registry: str) -> bool:
    """Whether ``host[:port]`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = _host_only(registry).lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error_codes(response: httpx.Response) -> str:
    """``CODE: message`` for each registry error in the body, else the body's start."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        parts = [
            f"{e.get('code', 'UNKNOWN')}: {e.get('message', '')}".rstrip(": ")
            for e in body["errors"]
            if isinstance(e, dict)
        ]
        if parts:
            return "; ".join(parts)
    text = response.text.strip()
    return text[:_MAX_SHOWN] if text else "(no body)"


def status_error(response: httpx.Response, what: str, ok: tuple[int, ...] = (200,)) -> Error:
    """The sigstack error for an unexpected registry answer about ``what``."""
    request = response.request
    expected = " or ".join(str(code) for code in ok)
    where = (
        f"{what}: expected HTTP {expected} from {request.method} {request.url}, "
        f"it answered {response.status_code}"
    )
    detail = _error_codes(response)
    status = response.status_code
    if status in (401, 403):
        return AuthenticationError(f"{where} ({detail})")
    if status == 404:
        return NotFoundError(f"{where} ({detail})")
    if status == 400:
        return FormatError(f"{where}: the registry refused the request ({detail})")
    return NetworkError(f"{where} ({detail})")


def _transport_error(exc: httpx.HTTPError, method: str, url: str, ca_bundle: Path | None) -> Error:
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        hint = (
            f"the registry's certificate does not chain to the CA bundle {ca_bundle}"
            if ca_bundle
            else "the registry's certificate is not signed by a system-trusted CA; "
            "pass ca_bundle=<PEM file of its CA> for a private CA"
        )
        return NetworkError(f"{method} {url}: TLS certificate verification failed ({exc}); {hint}")
    return NetworkError(f"{method} {url}: cannot reach the registry ({type(exc).__name__}: {exc})")


class Session:
    """One registry host: base URL, TLS, credentials, token cache, error mapping."""

    def __init__(
        self,
        registry: str,
        credentials: CredentialSource,
        *,
        plain_http: bool,
        allow_insecure: bool,
        ca_bundle: Path | None,
        transport: httpx.BaseTransport | None,
        timeout: float,
    ) -> None:
        if plain_http and not (allow_insecure or is_loopback(registry)):
            raise UnsupportedError(
                f"refusing plain HTTP to {registry}: expected a loopback host (localhost, "
                "127.0.0.0/8, ::1) for HTTP; use HTTPS, or pass allow_insecure=True to "
                "send credentials and content unencrypted",
                field="registry",
            )
        self.registry = registry
        self.base_url = f"{'http' if plain_http else 'https'}://{registry}"
        self.allow_insecure = allow_insecure
        self.ca_bundle = ca_bundle
        self._credentials = credentials
        self._lookup: CredentialLookup | None = None
        self._use_basic = False
        self._tokens: dict[str, str] = {}
        verify: ssl.SSLContext | bool = True
        if ca_bundle is not None:
            try:
                verify = ssl.create_default_context(cafile=str(ca_bundle))
            except (OSError, ssl.SSLError) as exc:
                raise FormatError(
                    f"expected a PEM CA bundle at {ca_bundle}: {exc}", field="ca_bundle"
                ) from exc
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            verify=verify,
            follow_redirects=True,
            headers={"User-Agent": _USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def _creds(self) -> CredentialLookup:
        if self._lookup is None:
            self._lookup = self._credentials.lookup(self.registry)
        return self._lookup

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        content: bytes | None,
        auth: str | None,
    ) -> httpx.Response:
        all_headers = dict(headers)
        target = self._client.base_url.join(url)
        same_origin = (target.scheme, target.netloc) == (
            self._client.base_url.scheme,
            self._client.base_url.netloc,
        )
        if auth is not None and same_origin:  # an upload Location may point elsewhere
            all_headers["Authorization"] = auth
        if params:  # httpx's params= would replace a Location's own query (e.g. _state)
            url = str(httpx.URL(url).copy_merge_params(dict(params)))
        try:
            return self._client.request(method, url, headers=all_headers, content=content)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, method, str(target), self.ca_bundle) from exc

    def _authorization(self, scopes: tuple[str, ...]) -> str | None:
        creds = self._creds().credentials
        if self._use_basic and creds is not None:
            pair = f"{creds.username}:{creds.password}".encode()
            return f"Basic {base64.b64encode(pair).decode()}"
        token = self._tokens.get(" ".join(scopes))
        return f"Bearer {token}" if token else None

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        repository: str,
        push: bool = False,
        extra_scopes: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """Send, answering one authentication challenge; non-``ok`` statuses raise."""
        own = (repository_scope(repository, push=push),) if repository else ()
        scopes = (*own, *extra_scopes)
        headers = headers or {}
        sent = self._authorization(scopes)
        response = self._send(
            method, url, headers=headers, params=params, content=content, auth=sent
        )
        if response.status_code == 401:
            retry = self._answer_challenge(response, scopes, sent, what)
            response = self._send(
                method, url, headers=headers, params=params, content=content, auth=retry
            )
            if response.status_code == 401:
                creds = self._creds()
                who = f"user {creds.credentials.username!r}" if creds.credentials else "anonymous"
                raise AuthenticationError(
                    f"{what}: {self.registry} refused the credentials of {who} from "
                    f"{creds.source} ({_error_codes(response)})"
                )
        if response.status_code not in ok:
            raise status_error(response, what, ok)
        return response

    def _answer_challenge(
        self, response: httpx.Response, scopes: tuple[str, ...], sent: str | None, what: str
    ) -> str:
        header = response.headers.get("www-authenticate", "")
        challenges = {c.scheme: c for c in parse_challenges(header)}
        lookup = self._creds()
        if "bearer" in challenges:
            return self._bearer(challenges["bearer"], scopes, sent, what)
        if "basic" in challenges:
            if lookup.credentials is None:
                raise AuthenticationError(
                    f"{what}: {self.registry} requires authentication "
                    f"(WWW-Authenticate: {header}) and no credentials were found: "
                    f"{lookup.source}; run `docker login {self.registry}` or pass credentials"
                )
            if sent is not None and sent.startswith("Basic "):
                raise AuthenticationError(
                    f"{what}: {self.registry} refused user {lookup.credentials.username!r} "
                    f"from {lookup.source}"
                )
            self._use_basic = True
            auth = self._authorization(scopes)
            assert auth is not None
            return auth
        raise AuthenticationError(
            f"{what}: expected a Basic or Bearer challenge from {self.registry} with its 401, "
            f"found WWW-Authenticate: {header or '(none)'} ({_error_codes(response)})"
        )

    def _bearer(
        self, challenge: Challenge, scopes: tuple[str, ...], sent: str | None, what: str
    ) -> str:
        realm = challenge.params.get("realm")
        if not realm:
            raise AuthenticationError(
                f"{what}: expected a realm in the Bearer challenge of {self.registry}, "
                f"found {challenge.params}"
            )
        realm_host = httpx.URL(realm).netloc.decode()
        if httpx.URL(realm).scheme != "https" and not (
            self.allow_insecure or is_loopback(realm_host)
        ):
            raise UnsupportedError(
                f"{what}: refusing to fetch a token over plain HTTP from {realm}; "
                "pass allow_insecure=True to allow it"
            )
        wanted = challenge.scopes or scopes
        key = " ".join(scopes)
        if sent is not None and sent.startswith("Bearer ") and key in self._tokens:
            del self._tokens[key]  # the cached token was refused: fetch a fresh one, once
        lookup = self._creds()
        query: list[tuple[str, str | int | float | bool | None]] = [("scope", s) for s in wanted]
        if "service" in challenge.params:
            query.insert(0, ("service", challenge.params["service"]))
        auth = None
        if lookup.credentials is not None:
            auth = httpx.BasicAuth(lookup.credentials.username, lookup.credentials.password)
        try:
            url = httpx.URL(realm).copy_merge_params(query)  # keep any query the realm has
            answer = self._client.get(url, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, "GET", realm, self.ca_bundle) from exc
        if answer.status_code in (401, 403):
            who = (
                f"user {lookup.credentials.username!r}"
                if lookup.credentials
                else "anonymous access"
            )
            raise AuthenticationError(
                f"{what}: the token service {realm} refused {who}"
                f" for {' '.join(wanted)} ({lookup.source}; {_error_codes(answer)})"
            )
        if not answer.is_success:
            raise status_error(answer, f"{what}: token from {realm}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise FormatError(f"expected JSON from the token service {realm}: {exc}") from exc
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise FormatError(
                f"expected a token or access_token string from {realm}, found "
                f"{sorted(body) if isinstance(body, dict) else type(body).__name__}"
            )
        self._tokens[key] = token
        self._tokens[" ".join(wanted)] = token
        return f"Bearer {token}"
