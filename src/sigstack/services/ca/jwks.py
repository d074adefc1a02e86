"""OIDC discovery and JWKS per issuer, fetched with httpx and cached (ca-tsa-oidc-tuf.md §1.4).

What go-oidc does for Fulcio, and we copy: discovery at
``iss.rstrip("/") + "/.well-known/openid-configuration"``; the document's
``issuer`` must equal the token's ``iss`` exactly; the keys come from
``jwks_uri``. Keys are cached for ``ttl`` seconds; a token signed with a key we
do not know forces one refresh (at most one per ``min_refresh_interval`` per
issuer, so a stream of tokens with a made-up ``kid`` cannot make us hammer the
issuer). Issuers whose configuration carries ``CACert`` (a private PKI, e.g. an
in-cluster Kubernetes issuer) are reached with a client trusting that PEM. At
most ``max_issuers`` issuers are cached, least recently used evicted first
(Fulcio keeps an LRU of 100 meta-issuer verifiers): a wildcard issuer must not
let tokens with made-up ``iss`` values grow the cache without bound.
Every failure reaching the issuer becomes an
:class:`~sigstack.errors.AuthenticationError` naming the issuer and the reason:
the client gets a 401 it can act on, not a 500.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sigstack.errors import AuthenticationError

__all__ = ["IssuerKeys", "JWKSCache"]


@dataclass(frozen=True)
class IssuerKeys:
    """One issuer's keys as last fetched, with the algorithms its discovery document allows."""

    jwks: dict[str, Any]
    algorithms: tuple[str, ...]
    fetched_at: float


@dataclass
class _Entry:
    keys: IssuerKeys | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_forced: float = float("-inf")
    error: AuthenticationError | None = None
    error_at: float = float("-inf")


class JWKSCache:
    """Discovery + JWKS for each issuer URL, cached with a TTL and refreshed on an unknown ``kid``.

    ``client`` is any :class:`httpx.AsyncClient` (tests pass one over a
    ``MockTransport``); ``client_for_ca`` makes the client for an issuer with a
    ``CACert`` (default: same timeout, verifying with that PEM only);
    ``monotonic`` is the clock used for the TTL.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 10.0,
        max_issuers: int = 100,
        client_for_ca: Callable[[str], httpx.AsyncClient] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._min_refresh = min_refresh_interval
        self._max_issuers = max_issuers
        self._client_for_ca = client_for_ca or self._default_client_for_ca
        self._ca_clients: dict[str, httpx.AsyncClient] = {}
        self._now = monotonic
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def _default_client_for_ca(self, ca_pem: str) -> httpx.AsyncClient:
        try:
            context = ssl.create_default_context(cadata=ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise AuthenticationError(f"the issuer's CACert is not a usable PEM: {exc}") from exc
        return httpx.AsyncClient(verify=context, timeout=self._client.timeout)

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self._client.aclose()
        for client in self._ca_clients.values():
            await client.aclose()

    def _entry(self, issuer_url: str) -> _Entry:
        entry = self._entries.get(issuer_url)
        if entry is None:
            entry = self._entries[issuer_url] = _Entry()
            while len(self._entries) > self._max_issuers:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(issuer_url)
        return entry

    async def get(self, issuer_url: str, *, ca_cert: str | None = None) -> IssuerKeys:
        """The issuer's keys, from the cache while younger than the TTL."""
        entry = self._entry(issuer_url)
        keys = entry.keys
        if keys is not None and self._now() - keys.fetched_at < self._ttl:
            return keys
        async with entry.lock:  # one fetch per issuer at a time; the others wait for its result
            keys = entry.keys
            if keys is None or self._now() - keys.fetched_at >= self._ttl:
                keys = entry.keys = await self._fetch_remembering_failure(
                    entry, issuer_url, ca_cert
                )
            return keys

    async def _fetch_remembering_failure(
        self, entry: _Entry, issuer_url: str, ca_cert: str | None
    ) -> IssuerKeys:
        """Fetch; a failure is answered again, without asking the issuer, for a short while,
        so that requests queued behind an unreachable issuer do not each wait for a timeout."""
        if entry.error is not None and self._now() - entry.error_at < self._min_refresh:
            raise AuthenticationError(entry.error.message)
        try:
            keys = await self._fetch(issuer_url, ca_cert)
        except AuthenticationError as exc:
            entry.error, entry.error_at = exc, self._now()
            raise
        entry.error = None
        return keys

    async def refresh(
        self, issuer_url: str, stale: IssuerKeys, *, ca_cert: str | None = None
    ) -> IssuerKeys | None:
        """Fetch again after a token named a ``kid`` missing from ``stale``.

        Returns the new keys, or ``None`` when a forced refresh happened less
        than ``min_refresh_interval`` ago (the caller then refuses the token).
        """
        entry = self._entry(issuer_url)
        async with entry.lock:
            if entry.keys is not None and entry.keys.fetched_at > stale.fetched_at:
                return entry.keys  # someone else refreshed while we waited
            if self._now() - entry.last_forced < self._min_refresh:
                return None
            entry.last_forced = self._now()
            entry.keys = await self._fetch_remembering_failure(entry, issuer_url, ca_cert)
            return entry.keys

    async def _fetch(self, issuer_url: str, ca_cert: str | None) -> IssuerKeys:
        client = self._client
        if ca_cert:
            if ca_cert not in self._ca_clients:
                self._ca_clients[ca_cert] = self._client_for_ca(ca_cert)
            client = self._ca_clients[ca_cert]
        discovery_url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(client, issuer_url, discovery_url, "discovery document")
        if document.get("issuer") != issuer_url:
            raise AuthenticationError(
                f"issuer {issuer_url}: its discovery document names issuer "
                f"{document.get('issuer')!r}; expected exactly {issuer_url!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise AuthenticationError(f"issuer {issuer_url}: discovery document has no jwks_uri")
        jwks = await self._get_json(client, issuer_url, jwks_uri, "JWKS")
        if not isinstance(jwks.get("keys"), list):
            raise AuthenticationError(f"issuer {issuer_url}: JWKS at {jwks_uri} has no keys list")
        algs = document.get("id_token_signing_alg_values_supported")
        # go-oidc: RS256 only when discovery does not say (ca-tsa-oidc-tuf.md §12 item 5).
        algorithms = tuple(a for a in algs if isinstance(a, str)) if isinstance(algs, list) else ()
        return IssuerKeys(jwks, algorithms or ("RS256",), self._now())

    async def _get_json(
        self, client: httpx.AsyncClient, issuer_url: str, url: str, what: str
    ) -> dict[str, Any]:
        try:
            response = await client.get(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise AuthenticationError(
                f"issuer {issuer_url} is unreachable: fetching its {what} at {url} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code != 200:
            raise AuthenticationError(
                f"issuer {issuer_url}: its {what} at {url} answered HTTP {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise AuthenticationError(
                f"issuer {issuer_url}: its {what} at {url} is not JSON"
            ) from exc
        if not isinstance(body, dict):
            raise AuthenticationError(f"issuer {issuer_url}: its {what} at {url} is not an object")
        return body
