"""OIDC discovery and JWKS per issuer, fetched with httpx and cached (ca-tsa-oidc-tuf.md §1.4).

What go-oidc does for Fulcio, and we copy: discovery at
``iss.rstrip("/") + "/.well-known/openid-configuration"``; the document's
``issuer`` must equal the token's ``iss`` exactly; the keys come from
``jwks_uri``. Keys are cached for ``ttl`` seconds; a token signed with a key we
do not know forces one refresh (at most one per ``min_refresh_interval`` per
issuer, so a stream of tokens with a made-up ``kid`` cannot make us hammer the
issuer). Every failure reaching the issuer becomes an
:class:`~sigstack.errors.AuthenticationError` naming the issuer and the reason:
the client gets a 401 it can act on, not a 500.
"""

from __future__ import annotations

import asyncio
import time
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


class JWKSCache:
    """Discovery + JWKS for each issuer URL, cached with a TTL and refreshed on an unknown ``kid``.

    ``client`` is any :class:`httpx.AsyncClient` (tests pass one over a
    ``MockTransport``); ``monotonic`` is the clock used for the TTL.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._min_refresh = min_refresh_interval
        self._now = monotonic
        self._entries: dict[str, _Entry] = {}

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def get(self, issuer_url: str) -> IssuerKeys:
        """The issuer's keys, from the cache while younger than the TTL."""
        entry = self._entries.setdefault(issuer_url, _Entry())
        keys = entry.keys
        if keys is not None and self._now() - keys.fetched_at < self._ttl:
            return keys
        async with entry.lock:  # one fetch per issuer at a time; the others wait for its result
            keys = entry.keys
            if keys is None or self._now() - keys.fetched_at >= self._ttl:
                keys = entry.keys = await self._fetch(issuer_url)
            return keys

    async def refresh(self, issuer_url: str, stale: IssuerKeys) -> IssuerKeys | None:
        """Fetch again after a token named a ``kid`` missing from ``stale``.

        Returns the new keys, or ``None`` when a forced refresh happened less
        than ``min_refresh_interval`` ago (the caller then refuses the token).
        """
        entry = self._entries.setdefault(issuer_url, _Entry())
        async with entry.lock:
            if entry.keys is not None and entry.keys.fetched_at > stale.fetched_at:
                return entry.keys  # someone else refreshed while we waited
            if self._now() - entry.last_forced < self._min_refresh:
                return None
            entry.last_forced = self._now()
            entry.keys = await self._fetch(issuer_url)
            return entry.keys

    async def _fetch(self, issuer_url: str) -> IssuerKeys:
        discovery_url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(issuer_url, discovery_url, "discovery document")
        if document.get("issuer") != issuer_url:
            raise AuthenticationError(
                f"issuer {issuer_url}: its discovery document names issuer "
                f"{document.get('issuer')!r}; expected exactly {issuer_url!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise AuthenticationError(f"issuer {issuer_url}: discovery document has no jwks_uri")
        jwks = await self._get_json(issuer_url, jwks_uri, "JWKS")
        if not isinstance(jwks.get("keys"), list):
            raise AuthenticationError(f"issuer {issuer_url}: JWKS at {jwks_uri} has no keys list")
        algs = document.get("id_token_signing_alg_values_supported")
        # go-oidc: RS256 only when discovery does not say (ca-tsa-oidc-tuf.md §12 item 5).
        algorithms = tuple(a for a in algs if isinstance(a, str)) if isinstance(algs, list) else ()
        return IssuerKeys(jwks, algorithms or ("RS256",), self._now())

    async def _get_json(self, issuer_url: str, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._client.get(url, follow_redirects=False)
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
