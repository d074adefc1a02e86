"""A fake OIDC world for the CA: issuers served by an httpx MockTransport, tokens signed here.

Each :class:`FakeIssuer` serves discovery and JWKS, signs tokens with PyJWT and counts
the requests it receives (to see JWKS caching and the forced refresh on an unknown kid).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.testclient import TestClient

from sigstack.clock import utc_now
from sigstack.core.oidc.issuers import IssuerConfig, IssuerRegistry, IssuerType, default_issuers
from sigstack.services.ca.app import CAService, create_app, open_ca
from sigstack.services.ca.keys import GeneratedKeySource
from sigstack.services.ca.settings import CASettings
from sigstack.services.ctlog import CTLogSettings

EMAIL_ISSUER = "https://oidc.example.com"
URI_ISSUER = "https://uri.example.com"
USERNAME_ISSUER = "https://user.example.org"
SPIFFE_ISSUER = "https://spire.example.net"
K8S_ISSUER = "https://k8s.example.net"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
LEGACY_GITHUB_ISSUER = "https://legacy-actions.example.com"
GITLAB_ISSUER = "https://gitlab.com"


@dataclass
class FakeIssuer:
    """One OIDC issuer: signing keys by kid, discovery, JWKS, and a request log."""

    url: str
    alg: str = "ES256"
    keys: dict[str, Any] = field(default_factory=dict)
    published: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    down: bool = False
    discovery_issuer: str | None = None

    def __post_init__(self) -> None:
        self.kid = self.add_key()

    def add_key(self, *, publish: bool = True) -> str:
        kid = uuid.uuid4().hex[:12]
        if self.alg.startswith("ES"):
            self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        else:
            self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.add(kid)
        return kid

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in sorted(self.published):
            public = self.keys[kid].public_key()
            tool = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
            jwk = json.loads(tool.to_jwk(public))
            out.append({**jwk, "kid": kid, "use": "sig", "alg": self.alg})
        return {"keys": out}

    def token(
        self, *, kid: str | None = None, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.url,
            "aud": "sigstore",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "sub": "subject-1",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        kid = kid or self.kid
        return jwt.encode(
            body, self.keys[kid], algorithm=self.alg, headers={"kid": kid, **(headers or {})}
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "issuer": self.discovery_issuer or self.url,
                    "jwks_uri": self.url + "/jwks",
                    "id_token_signing_alg_values_supported": [self.alg],
                },
            )
        if request.url.path.endswith("/jwks"):
            return httpx.Response(200, json=self.jwks())
        return httpx.Response(404)


class World:
    """Issuers by URL, and the transport that routes requests to them."""

    def __init__(self) -> None:
        self.issuers: dict[str, FakeIssuer] = {}

    def add(self, url: str, alg: str = "ES256") -> FakeIssuer:
        self.issuers[url] = FakeIssuer(url, alg)
        return self.issuers[url]

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            for url in sorted(self.issuers, key=len, reverse=True):  # longest prefix wins
                if str(request.url).startswith(url + "/"):
                    return self.issuers[url].handle(request)
            raise httpx.ConnectError("no route to host", request=request)

        return httpx.MockTransport(handler)


def registry() -> IssuerRegistry:
    """Every issuer type, one issuer each."""

    def cfg(url: str, kind: IssuerType, **kw: Any) -> IssuerConfig:
        return IssuerConfig(issuer_url=url, type=kind, **kw)

    base = default_issuers()
    extra = {
        EMAIL_ISSUER: cfg(EMAIL_ISSUER, IssuerType.EMAIL),
        URI_ISSUER: cfg(URI_ISSUER, IssuerType.URI, subject_domain="https://example.com"),
        USERNAME_ISSUER: cfg(USERNAME_ISSUER, IssuerType.USERNAME, subject_domain="example.org"),
        SPIFFE_ISSUER: cfg(SPIFFE_ISSUER, IssuerType.SPIFFE, spiffe_trust_domain="example.net"),
        K8S_ISSUER: cfg(K8S_ISSUER, IssuerType.KUBERNETES),
        LEGACY_GITHUB_ISSUER: cfg(LEGACY_GITHUB_ISSUER, IssuerType.GITHUB_WORKFLOW),
    }
    return IssuerRegistry(issuers={**base.issuers, **extra}, meta_issuers=dict(base.meta_issuers))


@dataclass
class CAHarness:
    world: World
    service: CAService
    client: TestClient

    def issuer(self, url: str) -> FakeIssuer:
        return self.world.issuers[url]

    def ct_size(self) -> int:
        return int(self.client.get("/ct/v1/get-sth").json()["tree_size"])


@pytest.fixture
def world() -> World:
    w = World()
    for url in (
        EMAIL_ISSUER,
        URI_ISSUER,
        USERNAME_ISSUER,
        SPIFFE_ISSUER,
        K8S_ISSUER,
        GITHUB_ISSUER,
        LEGACY_GITHUB_ISSUER,
        GITLAB_ISSUER,
    ):
        w.add(url, "RS256" if url == GITLAB_ISSUER else "ES256")
    return w


def make_harness(tmp_path: Path, world: World, settings: CASettings | None = None) -> CAService:
    return open_ca(
        tmp_path / "data",
        key_source=GeneratedKeySource(tmp_path / "data" / "keys", now=utc_now()),
        registry=registry(),
        settings=settings or CASettings(),
        ctlog_settings=CTLogSettings(),
        clock=utc_now,
        http_client=httpx.AsyncClient(transport=world.transport()),
    )


@pytest.fixture
def ca(tmp_path: Path, world: World) -> Iterator[CAHarness]:
    service = make_harness(tmp_path, world)
    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        yield CAHarness(world, service, client)
