"""Test helpers: freshly generated signing keys, their JWKs, and tokens signed with PyJWT."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from sigstack.core.oidc.tokens import verify_token
from sigstack.errors import AuthenticationError

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
T = int(NOW.timestamp())
ISSUER = "https://issuer.example.com"


@dataclass(frozen=True)
class Key:
    private: Any
    alg: str
    kid: str
    jwk: dict[str, Any]


@cache
def make_key(alg: str, kid: str | None = None) -> Key:
    """A new key for ``alg`` (cached per (alg, kid) so RSA generation runs once)."""
    kid = kid or f"{alg.lower()}-key"
    private: Any
    if alg in ("RS256", "PS256", "RS384", "RS512", "PS384", "PS512"):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif alg.startswith("ES"):
        curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
        private = ec.generate_private_key(curve)
        jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif alg == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
        jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        raise ValueError(alg)
    return Key(private, alg, kid, {**jwk, "kid": kid, "use": "sig"})


def jwks(*keys: Key) -> dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


def claims(**overrides: Any) -> dict[str, Any]:
    """An email-issuer token body, like the dev issuer's (sigstore-clients.md §8.2)."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "alice-subject-id",
        "aud": "sigstore",
        "email": "alice@example.com",
        "email_verified": True,
        "iat": T,
        "nbf": T,
        "exp": T + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def mint(key: Key, body: dict[str, Any] | None = None, *, headers: dict[str, Any] | None = None,
         alg: str | None = None) -> str:  # fmt: skip
    """Sign ``body`` (default :func:`claims`) with ``key``; ``kid`` header unless overridden."""
    header = {"kid": key.kid, **(headers or {})}
    header = {k: v for k, v in header.items() if v is not ...}
    return jwt.encode(body if body is not None else claims(), key.private,
                      algorithm=alg or key.alg, headers=header)  # fmt: skip


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, Any], body: Any, signature: bytes = b"") -> str:
    """A compact JWS built by hand, for tokens PyJWT refuses to produce."""
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(body).encode()), b64(signature)]
    )


def verify(token: str, keys: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"issuer": ISSUER, "audiences": ["sigstore"], "now": NOW}
    options.update(kwargs)
    return verify_token(token, jwks=keys if keys is not None else jwks(ES256), **options)


def refused(token: str, fragment: str, keys: dict[str, Any] | None = None, **kwargs: Any) -> str:
    with pytest.raises(AuthenticationError) as info:
        verify(token, keys, **kwargs)
    assert fragment in str(info.value)
    assert info.value.status == 401
    return str(info.value)


#: The issuer's usual key in these tests.
ES256 = make_key("ES256")
