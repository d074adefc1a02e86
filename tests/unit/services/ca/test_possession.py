"""Proof of possession (``publicKeyRequest``: email or sub, PEM or DER, other key types)
and the worker-process path (spec ca-tsa-oidc-tuf.md §1.3)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from starlette.testclient import TestClient

from sigstack.services.ca.app import create_app
from sigstack.services.ca.settings import CASettings
from tests.unit.services.ca.conftest import (
    EMAIL_ISSUER,
    SPIFFE_ISSUER,
    URI_ISSUER,
    CAHarness,
    World,
    make_harness,
)
from tests.unit.services.ca.helpers import bearer, chain_of, csr_body, pop_body
from tests.unit.services.ca.test_issuance import check_profile


def test_proof_of_possession_over_the_email(ca: CAHarness) -> None:
    token = ca.issuer(EMAIL_ISSUER).token(email="bob@example.com", email_verified=True)
    body, key = pop_body(token, "bob@example.com")
    r = ca.client.post("/api/v2/signingCert", json=body)
    assert r.status_code == 200, r.text
    check_profile(ca, chain_of(r.json()), key)


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_proof_of_possession_over_the_subject(ca: CAHarness, der: bool) -> None:
    sub = "spiffe://example.net/ns/prod/sa/builder"
    token = ca.issuer(SPIFFE_ISSUER).token(sub=sub)
    body, key = pop_body(token, sub, der=der)
    r = ca.client.post("/api/v2/signingCert", json=body)
    assert r.status_code == 200, r.text
    check_profile(ca, chain_of(r.json()), key)


def test_non_email_issuer_accepts_pop_over_a_verified_email_as_cosign_signs(ca: CAHarness) -> None:
    token = ca.issuer(URI_ISSUER).token(
        sub="https://example.com/u/a", email="a@example.com", email_verified=True
    )
    body, _ = pop_body(token, "a@example.com")
    assert ca.client.post("/api/v2/signingCert", json=body).status_code == 200


def _sign(key: Any, message: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA384()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(message)


@pytest.mark.parametrize("kind", ["p384", "rsa2048"])
def test_other_client_key_types(ca: CAHarness, kind: str) -> None:
    key: Any = {
        "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "rsa2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ed25519": ed25519.Ed25519PrivateKey.generate,
    }[kind]()
    sub = "https://example.com/u/keys"
    token = ca.issuer(URI_ISSUER).token(sub=sub)
    body, _ = pop_body(token, sub)
    body["publicKeyRequest"]["publicKey"]["content"] = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    body["publicKeyRequest"]["proofOfPossession"] = base64.b64encode(
        _sign(key, sub.encode())
    ).decode()
    r = ca.client.post("/api/v2/signingCert", json=body)
    assert r.status_code == 200, r.text
    assert chain_of(r.json())[0].public_key() == key.public_key()


def test_ed25519_leaf_keys_are_refused_after_a_valid_proof(ca: CAHarness) -> None:
    """Fulcio would certify them, but sigstore-python verifies leaves with ECDSA/RSA only."""
    key = ed25519.Ed25519PrivateKey.generate()
    sub = "https://example.com/u/ed"
    body, _ = pop_body(ca.issuer(URI_ISSUER).token(sub=sub), sub)
    body["publicKeyRequest"]["publicKey"]["content"] = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    body["publicKeyRequest"]["proofOfPossession"] = base64.b64encode(
        key.sign(sub.encode())
    ).decode()
    before = ca.ct_size()
    r = ca.client.post("/api/v2/signingCert", json=body)
    assert r.status_code == 400 and "Ed25519" in r.json()["message"]
    assert ca.ct_size() == before


def test_issuance_through_worker_processes(tmp_path: Path, world: World) -> None:
    """The same answers, refusals included, with the crypto in a worker process."""
    service = make_harness(tmp_path, world, CASettings(workers=1))
    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        ca = CAHarness(world, service, client)
        issuer = ca.issuer(EMAIL_ISSUER)
        body, key = csr_body()
        r = client.post(
            "/api/v2/signingCert",
            json=body,
            headers=bearer(issuer.token(email="w@example.com", email_verified=True)),
        )
        assert r.status_code == 200, r.text
        check_profile(ca, chain_of(r.json()), key)
        rotated = issuer.add_key()  # UnknownKeyError crosses the process boundary intact
        r = client.post(
            "/api/v2/signingCert",
            json=body,
            headers=bearer(issuer.token(kid=rotated, email="w@example.com", email_verified=True)),
        )
        assert r.status_code == 200, r.text
        r = client.post(
            "/api/v2/signingCert",
            json=body,
            headers=bearer(issuer.token(aud="other", email="w@example.com", email_verified=True)),
        )
        assert r.status_code == 401 and "audience" in r.json()["message"]
        r = client.post(
            "/api/v2/signingCert",
            json={"certificateSigningRequest": "AAAA"},
            headers=bearer(issuer.token(email="w@example.com", email_verified=True)),
        )
        assert r.status_code == 400 and "PEM" in r.json()["message"]


def test_proto_field_names_are_accepted_as_protojson_does(ca: CAHarness) -> None:
    token = ca.issuer(EMAIL_ISSUER).token(email="p@example.com", email_verified=True)
    body, _ = pop_body(token, "p@example.com")
    pkr = body["publicKeyRequest"]
    snake = {
        "credentials": {"oidc_identity_token": token},
        "public_key_request": {
            "public_key": pkr["publicKey"],
            "proof_of_possession": pkr["proofOfPossession"],
        },
    }
    assert ca.client.post("/api/v2/signingCert", json=snake).status_code == 200
