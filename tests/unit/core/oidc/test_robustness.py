"""Whatever arrives (token, JWKS, claims), the only outcomes are a result or AuthenticationError."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.api_jws import PyJWS

from sigstack.core.oidc.issuers import IssuerConfig, IssuerType, default_issuers
from sigstack.core.oidc.principals import principal_from_claims
from sigstack.core.oidc.tokens import unverified_claims, verify_token
from sigstack.errors import AuthenticationError

from ._jwt import ES256, ISSUER, NOW, b64, claims, jwks, mint

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
HEADER_VALUES = (
    st.sampled_from(["ES256", "RS256", "none", "HS256", "EdDSA", "es256-key", ""]) | JSON
)


def outcome(token: str, keys: Any) -> None:
    with contextlib.suppress(AuthenticationError):
        verify_token(token, jwks=keys, issuer=ISSUER, audiences=["sigstore"], now=NOW)
    with contextlib.suppress(AuthenticationError):
        unverified_claims(token)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text(token: str) -> None:
    outcome(token, jwks(ES256))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["alg", "kid", "crit", "typ", "jwk"]), HEADER_VALUES),
       JSON, st.binary(max_size=80))  # fmt: skip
def test_any_header_and_body(header: dict[str, Any], body: Any, signature: bytes) -> None:
    token = ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(body).encode()), b64(signature)]
    )
    outcome(token, jwks(ES256))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "n", "e", "kid", "use", "alg", "d"]),
                       HEADER_VALUES | st.sampled_from(["EC", "RSA", "OKP", "P-256", "sig"])))  # fmt: skip
def test_any_jwk(jwk: dict[str, Any]) -> None:
    outcome(mint(ES256, headers={"kid": ...}), {"keys": [jwk]})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["iss", "aud", "exp", "iat", "nbf", "sub", "nonce"]), JSON))
def test_any_claims_signed_properly(overrides: dict[str, Any]) -> None:
    # PyJWS, not jwt.encode: the latter refuses to sign some of these (a non-string iss).
    payload = json.dumps(claims(**overrides)).encode()
    token = PyJWS().encode(payload, ES256.private, algorithm="ES256", headers={"kid": ES256.kid})
    outcome(token, jwks(ES256))


CONFIGS = [
    default_issuers(kubernetes_issuer=ISSUER).lookup(ISSUER),
    default_issuers().lookup("https://gitlab.com"),
    default_issuers().lookup("https://token.actions.githubusercontent.com"),
    IssuerConfig(issuer_url=ISSUER, type=IssuerType.EMAIL, issuer_claim="$.fed.id"),
    IssuerConfig(issuer_url=ISSUER, type=IssuerType.URI, subject_domain="https://example.com"),
    IssuerConfig(issuer_url=ISSUER, type=IssuerType.USERNAME, subject_domain="example.com"),
    IssuerConfig(issuer_url=ISSUER, type=IssuerType.SPIFFE, spiffe_trust_domain="example.com"),
    IssuerConfig(issuer_url=ISSUER, type=IssuerType.GITHUB_WORKFLOW),
]
CLAIM_NAMES = ["sub", "email", "email_verified", "kubernetes.io", "fed", "ci_config_ref_uri",
               "ref_type", "job_workflow_ref", "repository", "run_id"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CONFIGS), st.dictionaries(st.sampled_from(CLAIM_NAMES), JSON))
def test_principal_from_any_claims(config: IssuerConfig, extra: dict[str, Any]) -> None:
    body = {"iss": config.issuer_url, **extra}
    with contextlib.suppress(AuthenticationError):
        principal = principal_from_claims(config, body)
        assert principal.san_value and principal.challenge
