"""Issuer keys: cached, refreshed once on an unknown kid (rate-limited), failures as 401."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sigstack.errors import AuthenticationError
from sigstack.services.ca.jwks import JWKSCache
from tests.unit.services.ca.conftest import EMAIL_ISSUER, CAHarness, World
from tests.unit.services.ca.helpers import bearer, csr_body

ALICE = {"email": "alice@example.com", "email_verified": True}


def _post(ca: CAHarness, token: str) -> httpx.Response:
    body, _ = csr_body()
    return ca.client.post("/api/v2/signingCert", json=body, headers=bearer(token))


def test_keys_are_fetched_once_then_cached(ca: CAHarness) -> None:
    issuer = ca.issuer(EMAIL_ISSUER)
    for _ in range(3):
        assert _post(ca, issuer.token(**ALICE)).status_code == 200
    assert issuer.requests.count("/jwks") == 1


def test_an_unknown_kid_forces_one_refresh(ca: CAHarness) -> None:
    issuer = ca.issuer(EMAIL_ISSUER)
    assert _post(ca, issuer.token(**ALICE)).status_code == 200
    rotated = issuer.add_key()  # the issuer rotates; our cache does not know the new kid yet
    assert _post(ca, issuer.token(kid=rotated, **ALICE)).status_code == 200
    assert issuer.requests.count("/jwks") == 2


def test_forced_refreshes_are_rate_limited(ca: CAHarness) -> None:
    issuer = ca.issuer(EMAIL_ISSUER)
    assert _post(ca, issuer.token(**ALICE)).status_code == 200
    unpublished = issuer.add_key(publish=False)
    r = _post(ca, issuer.token(kid=unpublished, **ALICE))
    assert r.status_code == 401 and "is not in the issuer's JWKS" in r.json()["message"]
    r = _post(ca, issuer.token(kid=unpublished, **ALICE))
    assert r.status_code == 401
    assert issuer.requests.count("/jwks") == 2  # one forced refresh, not one per token


def test_ttl_expiry_refetches() -> None:
    world = World()
    issuer = world.add(EMAIL_ISSUER)
    now = [0.0]
    cache = JWKSCache(
        httpx.AsyncClient(transport=world.transport()), ttl=60, monotonic=lambda: now[0]
    )

    async def run() -> None:
        await cache.get(EMAIL_ISSUER)
        now[0] = 59
        await cache.get(EMAIL_ISSUER)
        now[0] = 61
        keys = await cache.get(EMAIL_ISSUER)
        assert keys.algorithms == ("ES256",)
        await cache.aclose()

    asyncio.run(run())
    assert issuer.requests.count("/jwks") == 2


def test_concurrent_first_use_fetches_once() -> None:
    world = World()
    issuer = world.add(EMAIL_ISSUER)
    cache = JWKSCache(httpx.AsyncClient(transport=world.transport()))

    async def run() -> None:
        await asyncio.gather(*(cache.get(EMAIL_ISSUER) for _ in range(20)))

    asyncio.run(run())
    assert issuer.requests.count("/jwks") == 1


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(500), "answered HTTP 500"),
        (httpx.Response(200, content=b"<html>"), "is not JSON"),
        (httpx.Response(200, json={"issuer": EMAIL_ISSUER}), "has no jwks_uri"),
        (httpx.Response(302, headers={"location": "https://evil.example/"}), "answered HTTP 302"),
    ],
)
def test_broken_discovery_is_an_authentication_error(response: httpx.Response, reason: str) -> None:
    cache = JWKSCache(httpx.AsyncClient(transport=httpx.MockTransport(lambda r: response)))
    with pytest.raises(AuthenticationError, match=reason):
        asyncio.run(cache.get(EMAIL_ISSUER))


def test_cache_is_bounded_least_recently_used_first() -> None:
    world = World()
    urls = [f"https://i{n}.example.com" for n in range(4)]
    for url in urls:
        world.add(url)
    cache = JWKSCache(httpx.AsyncClient(transport=world.transport()), max_issuers=2)

    async def run() -> None:
        await cache.get(urls[0])
        await cache.get(urls[1])
        await cache.get(urls[0])  # most recent again
        await cache.get(urls[2])  # evicts urls[1]
        await cache.get(urls[0])
        await cache.get(urls[1])  # fetched again

    asyncio.run(run())
    assert world.issuers[urls[0]].requests.count("/jwks") == 1
    assert world.issuers[urls[1]].requests.count("/jwks") == 2


def test_an_issuer_with_a_ca_cert_gets_its_own_client() -> None:
    world = World()
    issuer = world.add(EMAIL_ISSUER)
    made: list[str] = []

    def client_for_ca(pem: str) -> httpx.AsyncClient:
        made.append(pem)
        return httpx.AsyncClient(transport=world.transport())

    unreachable = httpx.MockTransport(lambda r: httpx.Response(503))
    cache = JWKSCache(httpx.AsyncClient(transport=unreachable), client_for_ca=client_for_ca)
    keys = asyncio.run(cache.get(EMAIL_ISSUER, ca_cert="PEM"))
    assert keys.jwks == issuer.jwks() and made == ["PEM"]


def test_a_bad_ca_cert_is_an_authentication_error() -> None:
    cache = JWKSCache(httpx.AsyncClient())
    with pytest.raises(AuthenticationError, match="CACert is not a usable PEM"):
        asyncio.run(cache.get(EMAIL_ISSUER, ca_cert="not a pem"))
