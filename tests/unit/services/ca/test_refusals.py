"""Every refusal: its status, its reason, and nothing issued or logged (issue #3)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec

from tests.unit.services.ca.conftest import EMAIL_ISSUER, SPIFFE_ISSUER, URI_ISSUER, CAHarness
from tests.unit.services.ca.helpers import bearer, csr_body, pop_body

ALICE = {"email": "alice@example.com", "email_verified": True}


def _expect(
    ca: CAHarness, body: Any, headers: dict[str, str] | None, status: int, reason: str
) -> None:
    before = ca.ct_size()
    r = ca.client.post("/api/v2/signingCert", json=body, headers=headers or {})
    assert r.status_code == status, r.text
    assert r.json()["code"] == status
    assert reason in r.json()["message"], r.json()["message"]
    assert "signedCertificateEmbeddedSct" not in r.text
    assert ca.ct_size() == before  # nothing logged


def _hs256(ca: CAHarness) -> str:
    return jwt.encode({"iss": EMAIL_ISSUER, "aud": "sigstore", **ALICE}, "secret", "HS256")


def _none_alg(ca: CAHarness) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    claims = (
        base64.urlsafe_b64encode(f'{{"iss":"{EMAIL_ISSUER}","aud":"sigstore"}}'.encode())
        .rstrip(b"=")
        .decode()
    )
    return f"{head}.{claims}."


def _foreign_key(ca: CAHarness) -> str:
    issuer = ca.issuer(EMAIL_ISSUER)
    token = issuer.token(**ALICE)
    other = ec.generate_private_key(ec.SECP256R1())
    payload = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(payload, other, "ES256", headers={"kid": issuer.kid})


TOKEN_CASES: dict[str, tuple[Callable[[CAHarness], str], str]] = {
    "expired": (
        lambda ca: ca.issuer(EMAIL_ISSUER).token(
            exp=int(time.time()) - 3600, iat=int(time.time()) - 7200, nbf=None, **ALICE
        ),
        "token expired",
    ),
    "not-yet-valid": (
        lambda ca: ca.issuer(EMAIL_ISSUER).token(nbf=int(time.time()) + 3600, **ALICE),
        "not valid before",
    ),
    "wrong-audience": (
        lambda ca: ca.issuer(EMAIL_ISSUER).token(aud="someone-else", **ALICE),
        "audience",
    ),
    "unknown-issuer": (
        lambda ca: ca.issuer(EMAIL_ISSUER).token(iss="https://evil.example", **ALICE),
        "not configured",
    ),
    "foreign-signature": (_foreign_key, "signature does not verify"),
    "hmac": (_hs256, "not allowed"),
    "alg-none": (_none_alg, "not allowed"),
    "garbage": (lambda ca: "not-a-jwt", "malformed token"),
    "email-unverified": (
        lambda ca: ca.issuer(EMAIL_ISSUER).token(email="eve@example.com", email_verified=False),
        "email_verified",
    ),
    "no-email": (lambda ca: ca.issuer(EMAIL_ISSUER).token(), "email"),
    "spiffe-wrong-domain": (
        lambda ca: ca.issuer(SPIFFE_ISSUER).token(sub="spiffe://other.org/x"),
        "trust domain",
    ),
}


@pytest.mark.parametrize("case", sorted(TOKEN_CASES))
def test_bad_tokens_are_401_with_the_reason(ca: CAHarness, case: str) -> None:
    make, reason = TOKEN_CASES[case]
    body, _ = csr_body()
    _expect(ca, body, bearer(make(ca)), 401, reason)


def test_no_token_is_401(ca: CAHarness) -> None:
    body, _ = csr_body()
    _expect(ca, body, None, 401, "no identity token")
    _expect(ca, body, {"Authorization": "Basic abc"}, 401, "Bearer")


def test_unreachable_issuer_is_401_naming_it(ca: CAHarness) -> None:
    ca.issuer(URI_ISSUER).down = True
    body, _ = csr_body()
    token = ca.issuer(URI_ISSUER).token(sub="https://example.com/u")
    _expect(ca, body, bearer(token), 401, f"issuer {URI_ISSUER} is unreachable")


def test_discovery_naming_another_issuer_is_401(ca: CAHarness) -> None:
    ca.issuer(URI_ISSUER).discovery_issuer = "https://elsewhere.example.com"
    body, _ = csr_body()
    token = ca.issuer(URI_ISSUER).token(sub="https://example.com/u")
    _expect(ca, body, bearer(token), 401, "discovery document names issuer")


def _csr_with_bad_signature() -> dict[str, Any]:
    body, _ = csr_body()
    pem = base64.b64decode(body["certificateSigningRequest"])
    der = x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER)
    tampered = der[:-8] + bytes(b ^ 0xFF for b in der[-8:])  # inside the signature
    out = (
        b"-----BEGIN CERTIFICATE REQUEST-----\n"
        + base64.encodebytes(tampered)
        + b"-----END CERTIFICATE REQUEST-----\n"
    )
    return {"certificateSigningRequest": base64.b64encode(out).decode()}


def _dsa_csr() -> dict[str, Any]:
    key = dsa.generate_private_key(2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    return {
        "certificateSigningRequest": base64.b64encode(
            csr.public_bytes(serialization.Encoding.PEM)
        ).decode()
    }


def _p256_sha512_csr() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA512())
    )
    return {
        "certificateSigningRequest": base64.b64encode(
            csr.public_bytes(serialization.Encoding.PEM)
        ).decode()
    }


BODY_CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "csr-not-base64": (lambda: {"certificateSigningRequest": "***"}, "base64"),
    "csr-not-pem": (
        lambda: {"certificateSigningRequest": base64.b64encode(b"hello").decode()},
        "PEM CERTIFICATE REQUEST",
    ),
    "csr-garbage-pem": (
        lambda: {
            "certificateSigningRequest": base64.b64encode(
                b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
            ).decode()
        },
        "not a valid PEM certificate request",
    ),
    "csr-bad-signature": (_csr_with_bad_signature, "proof of possession"),
    "csr-dsa-key": (_dsa_csr, "not supported"),
    "csr-weak-hash-pairing": (_p256_sha512_csr, "must be signed with sha256"),
    "both-forms": (lambda: {**csr_body()[0], "publicKeyRequest": {}}, "exactly one"),
    "neither-form": (lambda: {}, "exactly one"),
    "not-an-object": (lambda: [1, 2], "JSON object"),
}


@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_bad_requests_are_400_with_the_reason(ca: CAHarness, case: str) -> None:
    make, reason = BODY_CASES[case]
    token = ca.issuer(EMAIL_ISSUER).token(**ALICE)
    _expect(ca, make(), bearer(token), 400, reason)


def test_invalid_json_is_400(ca: CAHarness) -> None:
    r = ca.client.post("/api/v2/signingCert", content=b"{nope", headers=bearer("x"))
    assert r.status_code == 400 and "not valid JSON" in r.json()["message"]


def test_failed_proof_of_possession_is_400(ca: CAHarness) -> None:
    token = ca.issuer(EMAIL_ISSUER).token(**ALICE)
    body, _ = pop_body(token, "mallory@example.com")
    _expect(ca, body, None, 400, "does not verify over 'alice@example.com'")


def test_pop_over_the_email_of_an_unverified_email_is_refused(ca: CAHarness) -> None:
    token = ca.issuer(URI_ISSUER).token(
        sub="https://example.com/u", email="u@example.com", email_verified=False
    )
    body, _ = pop_body(token, "u@example.com")
    _expect(ca, body, None, 400, "does not verify")


def test_unsupported_client_keys_are_400(ca: CAHarness) -> None:
    token = ca.issuer(URI_ISSUER).token(sub="https://example.com/u")
    body, _ = pop_body(token, "https://example.com/u")
    weak = ec.generate_private_key(ec.SECP192R1()) if hasattr(ec, "SECP192R1") else None
    if weak is not None:
        body["publicKeyRequest"]["publicKey"]["content"] = (
            weak.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        _expect(ca, body, None, 400, "is not allowed")
    body["publicKeyRequest"]["publicKey"]["content"] = "-----BEGIN PUBLIC KEY-----\nxx\n"
    _expect(ca, body, None, 400, "not a valid public key")


def test_oversized_body_is_413(ca: CAHarness) -> None:
    r = ca.client.post("/api/v2/signingCert", content=b"x" * (5 << 20))
    assert r.status_code == 413


def test_an_unreachable_issuer_is_not_asked_again_at_once(ca: CAHarness) -> None:
    issuer = ca.issuer(URI_ISSUER)
    issuer.down = True
    token = issuer.token(sub="https://example.com/u")
    for _ in range(3):
        body, _ = csr_body()
        _expect(ca, body, bearer(token), 401, "is unreachable")
    assert len(issuer.requests) == 1
