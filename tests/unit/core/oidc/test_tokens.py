"""verify_token: every check of spec ca-tsa-oidc-tuf.md §9.1 / OIDC Core §3.1.3.7, each refusal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from sigstack.core.oidc.tokens import (
    ALLOWED_ALGORITHMS,
    unverified_claims,
    unverified_header,
)
from sigstack.errors import AuthenticationError

from ._jwt import (
    ES256,
    ISSUER,
    T,
    b64,
    claims,
    jwks,
    make_key,
    mint,
    refused,
    verify,
)

# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "RS256", "RS512", "PS256", "EdDSA"])
def test_each_allowed_algorithm_verifies(alg: str) -> None:
    key = make_key(alg)
    assert verify(mint(key), jwks(ES256, key))["email"] == "alice@example.com"


def test_allow_list_is_asymmetric_only() -> None:
    assert "none" not in ALLOWED_ALGORITHMS
    assert not [a for a in ALLOWED_ALGORITHMS if a.startswith("HS")]


def test_audience_list_containing_ours() -> None:
    assert verify(mint(ES256, claims(aud=["other", "sigstore"])))["aud"] == ["other", "sigstore"]


def test_any_of_several_accepted_audiences() -> None:
    verify(mint(ES256, claims(aud="fulcio")), audiences=["sigstore", "fulcio"])


def test_token_without_kid_uses_the_only_key() -> None:
    verify(mint(ES256, headers={"kid": ...}))


def test_nbf_is_optional_and_leeway_tolerates_skew() -> None:
    verify(mint(ES256, claims(nbf=..., iat=T + 30, exp=T - 30)))


def test_nonce_matches() -> None:
    assert verify(mint(ES256, claims(nonce="n-123")), nonce="n-123")["nonce"] == "n-123"


def test_unverified_helpers() -> None:
    token = mint(ES256)
    assert unverified_header(token)["kid"] == ES256.kid
    assert unverified_claims(token)["iss"] == ISSUER


# --- time -----------------------------------------------------------------------------------


def test_expired() -> None:
    message = refused(mint(ES256, claims(exp=T - 61)), "token expired at 2026-11-22T09:58:59Z")
    assert "now is 2026-11-22T10:00:00Z" in message


def test_expired_with_zero_leeway() -> None:
    refused(mint(ES256, claims(exp=T)), "token expired", leeway=timedelta(0))


def test_not_yet_valid() -> None:
    refused(mint(ES256, claims(nbf=T + 61)), "not valid before (nbf) 2026-11-22T10:01:01Z")


def test_issued_in_the_future() -> None:
    refused(mint(ES256, claims(iat=T + 3600)), "issued in the future (iat) at 2026-11-22T11:00:00Z")


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_required_time_claims(claim: str) -> None:
    refused(mint(ES256, claims(**{claim: ...})), f"token has no {claim} claim")


@pytest.mark.parametrize("value", ["1767225600", True, None, [1]])
def test_exp_must_be_a_number(value: Any) -> None:
    body = claims(exp=value)
    if value is None:
        body["exp"] = None
    refused(mint(ES256, body), "exp")


def test_huge_exp_does_not_crash_the_message() -> None:
    refused(mint(ES256, claims(exp=1e300, iat=1e300)), "issued in the future")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(mint(ES256), now=datetime(2026, 11, 22, 10, 0))


# --- issuer, audience, nonce ----------------------------------------------------------------


@pytest.mark.parametrize("iss", ["https://evil.example.com", ISSUER + "/", ISSUER.upper(), None])
def test_wrong_issuer(iss: str | None) -> None:
    body = claims(iss=iss if iss is not None else ...)
    message = refused(mint(ES256, body), "token issuer (iss) is")
    assert f"expected {ISSUER!r}" in message


def test_wrong_audience() -> None:
    refused(mint(ES256, claims(aud="someone-else")), "audience (aud) is 'someone-else'")


def test_missing_audience() -> None:
    refused(mint(ES256, claims(aud=...)), "token has no aud claim; expected one of ['sigstore']")


def test_audience_of_wrong_type() -> None:
    refused(raw_and_sign(claims(aud=42)), "aud must be a string or a list")


def test_nonce_mismatch_and_missing() -> None:
    refused(mint(ES256, claims(nonce="other")), "nonce is 'other'", nonce="n-123")
    refused(mint(ES256), "nonce is None", nonce="n-123")


def test_audiences_as_a_bare_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        verify(mint(ES256), audiences="sigstore")


# --- malformed ------------------------------------------------------------------------------


def raw_and_sign(body: Any) -> str:
    return mint(ES256, body)


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("", "found nothing"),
        ("garbage", "3 dot-separated parts, found 1"),
        ("a.b", "found 2"),
        ("a.b.c.d.e", "found 5"),
        ("!!!.###.$$$", "malformed token header"),
        (b64(b"[1]") + ".e30.", "malformed token header"),
        ("x" * 70_000, "more than the"),
    ],
)
def test_malformed(token: str, fragment: str) -> None:
    refused(token, fragment)
    with pytest.raises(AuthenticationError, match="malformed"):
        unverified_claims(token)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b"not json", "claims are not JSON"), (b"[1, 2]", "must be a JSON object, found list"),
     (b'{"exp": NaN}', "not JSON")],
)  # fmt: skip
def test_payload_not_a_claims_object(body: bytes, fragment: str) -> None:
    header = b64(b'{"alg":"ES256","kid":"es256-key"}')
    token = f"{header}.{b64(body)}.{b64(b'sig')}"
    with pytest.raises(AuthenticationError, match=fragment):
        unverified_claims(token)
    signed = ES256.private.sign(f"{header}.{b64(body)}".encode(), _ecdsa())
    refused(f"{header}.{b64(body)}.{b64(_raw_sig(signed))}", fragment)


def _ecdsa() -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.ECDSA(hashes.SHA256())


def _raw_sig(der: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
