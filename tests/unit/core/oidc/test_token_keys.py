"""verify_token: algorithm allow-list and key selection (spec §9.1; RFC 7515 §4.1.4, RFC 7517)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import serialization

from sigstack.core.oidc.tokens import UnknownKeyError
from sigstack.errors import AuthenticationError

from ._jwt import ES256, b64, claims, jwks, make_key, mint, raw_token, refused, verify


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


def test_same_kid_on_two_key_types_picks_the_fitting_one() -> None:
    rsa_key, ec_key = make_key("RS256", kid="shared"), make_key("ES256", kid="shared")
    keys = jwks(rsa_key, ec_key)
    assert verify(mint(ec_key), keys)["sub"] == verify(mint(rsa_key), keys)["sub"]


def test_key_without_use_is_a_signing_key() -> None:
    plain = {k: v for k, v in ES256.jwk.items() if k != "use"}
    verify(mint(ES256), {"keys": [plain]})
