"""Fixtures: an issuer on a fixed, steppable clock, served in-process with Starlette's TestClient."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from sigstack.services.oidc import Provider, ProviderSettings, create_app, open_provider

ISSUER = "http://127.0.0.1:8080"
REDIRECT = "http://localhost:53123/auth/callback"


class StepClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def pkce_pair() -> tuple[str, str]:
    """A code_verifier and its S256 challenge, computed independently of the server code."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify_token(token: str, jwks: dict[str, Any], issuer: str = ISSUER) -> dict[str, Any]:
    """Verify ``token`` with PyJWT against the JWKS the server published."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["ES256", "RS256"],
        audience="sigstore",
        issuer=issuer,
        options={"require": ["iss", "sub", "aud", "iat", "exp"], "verify_iat": False},
        leeway=10**9,  # the fixed clock is in the past; exp is checked by the tests themselves
    )
    return claims


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def provider(tmp_path: Path, clock: StepClock) -> Provider:
    settings = ProviderSettings(device_interval=5, code_lifetime=60, device_lifetime=600)
    return open_provider(tmp_path / "data", clock, issuer=ISSUER, settings=settings)


@pytest.fixture
def client(provider: Provider) -> Iterator[TestClient]:
    with TestClient(create_app(provider), base_url=ISSUER, follow_redirects=False) as c:
        yield c
