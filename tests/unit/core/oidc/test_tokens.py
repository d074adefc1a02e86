"""verify_token: every check of spec ca-tsa-oidc-tuf.md §9.1 / OIDC Core §3.1.3.7, each refusal."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from sigstack.core.oidc.tokens import (
    ALLOWED_ALGORITHMS,
    UnknownKeyError,
    unverified_claims,
    unverified_header,
    verify_token,
)
from sigstack.errors import AuthenticationError

from ._jwt import ISSUER, NOW, T, b64, claims, jwks, make_key, mint, raw_token

ES256 = make_key("ES256")


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


# --- algorithm and key ----------------------------------------------------------------------


def test_alg_none() -> None:
    token = raw_token({"alg": "none", "kid": ES256.kid}, claims())
    refused(token, "algorithm (alg) 'none' is not allowed")


def test_alg_missing() -> None:
    refused(raw_token({"kid": ES256.kid}, claims()), "algorithm (alg) None is not allowed")


def test_hs256_with_the_public_key_as_secret() -> None:
    """The classic confusion attack: HMAC keyed with the issuer's public key (PEM or JWK)."""
    pem = ES256.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(b'{"alg":"HS256","kid":"es256-key","typ":"JWT"}')
    payload = raw_token({}, claims()).split(".")[1]
    signing_input = f"{header}.{payload}".encode()
    token = f"{header}.{payload}.{b64(hmac.new(pem, signing_input, hashlib.sha256).digest())}"
    refused(token, "'HS256' is not allowed")


def test_alg_inconsistent_with_key_type() -> None:
    rsa_key = make_key("RS256")
    # An RSA signature presented under the EC key's kid.
    token = mint(rsa_key, headers={"kid": ES256.kid})
    refused(token, "token algorithm (alg) RS256 needs a RSA key; the JWKS key is EC P-256")


def test_alg_inconsistent_with_curve() -> None:
    p384 = make_key("ES384")
    token = mint(p384, headers={"kid": ES256.kid})
    refused(token, "ES384 needs a EC P-384 key; the JWKS key is EC P-256")


def test_alg_different_from_the_keys_declared_alg() -> None:
    key = make_key("RS256", kid="rsa-ps")
    declared = {"keys": [{**key.jwk, "alg": "PS256"}]}
    refused(mint(key), "the JWKS key 'rsa-ps' is for PS256", declared)


def test_unknown_kid() -> None:
    other = make_key("ES256", kid="rotated")
    with pytest.raises(UnknownKeyError) as info:
        verify(mint(other))
    assert info.value.kid == "rotated"
    assert "'rotated' is not in the issuer's JWKS; known kids: ['es256-key']" in str(info.value)
    assert isinstance(info.value, AuthenticationError)


def test_encryption_keys_are_not_signing_keys() -> None:
    enc = {"keys": [{**ES256.jwk, "use": "enc"}]}
    with pytest.raises(UnknownKeyError):
        verify(mint(ES256), enc)


def test_no_kid_and_several_keys() -> None:
    keys = jwks(ES256, make_key("EdDSA"))
    refused(mint(ES256, headers={"kid": ...}), "has no key id (kid)", keys)


def test_embedded_jwk_and_jku_headers_are_ignored() -> None:
    attacker = make_key("ES256", kid="attacker")
    headers = {"kid": ES256.kid, "jwk": attacker.jwk, "jku": "https://evil.example/jwks"}
    refused(mint(attacker, headers=headers), "signature does not verify")


def test_bad_signature_other_key_same_kid() -> None:
    impostor = make_key("ES256", kid="impostor")
    token = mint(impostor, headers={"kid": ES256.kid})
    refused(token, "token signature does not verify with the issuer's key 'es256-key' (ES256)")


def test_tampered_payload() -> None:
    header, _, signature = mint(ES256).split(".")
    payload = raw_token({}, claims(email="mallory@example.com")).split(".")[1]
    refused(f"{header}.{payload}.{signature}", "signature does not verify")


def test_unusable_jwk() -> None:
    broken = {"keys": [{**ES256.jwk, "x": b64(b"\x00" * 32)}]}
    refused(mint(ES256), "is unusable", broken)


def test_jwks_without_keys() -> None:
    refused(mint(ES256), 'JWKS has no "keys" list', {"nope": []})


def test_critical_header_refused() -> None:
    refused(mint(ES256, headers={"crit": ["exp"], "exp": 1}), "critical")


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


def test_same_kid_on_two_key_types_picks_the_fitting_one() -> None:
    rsa_key, ec_key = make_key("RS256", kid="shared"), make_key("ES256", kid="shared")
    keys = jwks(rsa_key, ec_key)
    assert verify(mint(ec_key), keys)["sub"] == verify(mint(rsa_key), keys)["sub"]


def test_key_without_use_is_a_signing_key() -> None:
    plain = {k: v for k, v in ES256.jwk.items() if k != "use"}
    verify(mint(ES256), {"keys": [plain]})
