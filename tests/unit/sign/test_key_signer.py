"""KeySigner end to end over httpx.MockTransport (fake TSA and Rekor v1/v2): no CA, no token;
the log requests pass the log's own parsers (which verify the signature), the bundle carries
``publicKey.hint`` and parses."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, utils

from sigstack.core.dsse import pae
from sigstack.core.encrypted_key import load_private_key
from sigstack.core.tlog.entries import parse_create_entry_request_v2, parse_proposed_entry_v1
from sigstack.errors import FormatError, NetworkError, UnsupportedError
from sigstack.sign import BUNDLE_MEDIA_TYPE, KeySigner, SigningContext
from sigstack.verify import load_bundle
from tests.unit.sign.test_signer import BASE, TSA, FakeStack

COSIGN_KEY = (
    Path(__file__).parents[1]
    / "core"
    / "data"
    / "cosign-keys"
    / "cosign-keys-test-sigstore-hello.key"
)


class CheckingStack(FakeStack):
    """FakeStack that first runs each log request through the log's real entry parsers."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/log/entries":
            parse_proposed_entry_v1(request.content)
            self.requests.append(json.loads(request.content))
        elif request.url.path == "/api/v2/log/entries":
            parse_create_entry_request_v2(request.content)
            self.requests.append(json.loads(request.content))
        return super().__call__(request)


def _context(version: int) -> SigningContext:
    return SigningContext(
        ca_url=BASE, rekor_url=BASE, rekor_version=version, tsa_urls=(TSA,), ct_keys=()
    )


def _signer(stack: FakeStack, version: int, key: object | None = None) -> KeySigner:
    key = key if key is not None else ec.generate_private_key(ec.SECP256R1())
    return KeySigner(_context(version), key, transport=httpx.MockTransport(stack))


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("version", [1, 2])
def test_message_bundle_names_the_key_and_the_log_accepts_the_entry(version: int) -> None:
    stack = CheckingStack()
    key = ec.generate_private_key(ec.SECP256R1())
    artifact = b"signed with a managed key"
    bundle = _signer(stack, version, key).sign_artifact(artifact)

    assert bundle["mediaType"] == BUNDLE_MEDIA_TYPE
    material = bundle["verificationMaterial"]
    spki = _spki(key.public_key())
    assert material["publicKey"] == {
        "hint": base64.b64encode(hashlib.sha256(spki).digest()).decode()
    }
    assert "certificate" not in material
    assert len(material["timestampVerificationData"]["rfc3161Timestamps"]) == 1
    digest = hashlib.sha256(artifact).digest()
    signature = base64.b64decode(bundle["messageSignature"]["signature"])
    key.public_key().verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))

    (request,) = stack.requests
    if version == 1:
        recorded = request["spec"]["signature"]["publicKey"]["content"]
        pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert base64.b64decode(recorded) == pem
    else:
        verifier = request["hashedRekordRequestV002"]["signature"]["verifier"]
        assert verifier == {
            "publicKey": {"rawBytes": base64.b64encode(spki).decode()},
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
        }
    # no CA, no identity token: timestamp then log, nothing else
    assert stack.paths == ["/api/v1/timestamp", f"/api/v{version}/log/entries"]

    parsed = load_bundle(json.dumps(bundle))
    assert parsed.certificate_chain is None
    assert parsed.public_key_hint == material["publicKey"]["hint"]


@pytest.mark.parametrize("version", [1, 2])
def test_dsse_bundle_signs_pae_and_the_log_accepts_the_entry(version: int) -> None:
    stack = CheckingStack()
    key = ec.generate_private_key(ec.SECP256R1())
    payload = b'{"_type":"https://in-toto.io/Statement/v1"}'
    bundle = _signer(stack, version, key).sign_dsse("application/vnd.in-toto+json", payload)
    envelope = bundle["dsseEnvelope"]
    signature = base64.b64decode(envelope["signatures"][0]["sig"])
    key.public_key().verify(
        signature, pae("application/vnd.in-toto+json", payload), ec.ECDSA(hashes.SHA256())
    )
    assert "publicKey" in bundle["verificationMaterial"]
    (request,) = stack.requests
    if version == 1:
        assert request["kind"] == "dsse"
        (verifier,) = request["spec"]["proposedContent"]["verifiers"]
        assert b"BEGIN PUBLIC KEY" in base64.b64decode(verifier)
    else:
        assert "publicKey" in request["hashedRekordRequestV002"]["signature"]["verifier"]


def test_a_cosign_written_key_signs() -> None:
    stack = CheckingStack()
    key = load_private_key(COSIGN_KEY.read_bytes(), b"hello")
    bundle = _signer(stack, 2, key).sign_artifact(b"x")
    assert bundle["verificationMaterial"]["publicKey"]["hint"]


@pytest.mark.parametrize(
    ("key", "found"),
    [
        (ec.generate_private_key(ec.SECP384R1()), "found an ECDSA secp384r1 key"),
        (ed25519.Ed25519PrivateKey.generate(), "found a "),
        (rsa.generate_private_key(65537, 2048), "found a "),
    ],
    ids=["p384", "ed25519", "rsa"],
)
def test_keys_other_than_p256_are_refused(key: object, found: str) -> None:
    with pytest.raises(UnsupportedError, match=f"expected an ECDSA P-256 private key.*{found}"):
        KeySigner(_context(1), key)


@pytest.mark.parametrize("version", [1, 2])
def test_log_entry_with_another_signature_is_refused(version: int) -> None:
    stack = FakeStack()
    stack.tamper = True
    with pytest.raises(FormatError, match="does not hold the signature"):
        _signer(stack, version).sign_artifact(b"x")


def test_failing_tsa_aborts_with_rekor_v2_before_logging() -> None:
    stack = FakeStack(tsa_status=503)
    with pytest.raises(NetworkError, match="needs a signed timestamp"):
        _signer(stack, 2).sign_artifact(b"x")
    assert "/api/v2/log/entries" not in stack.paths


def test_a_digest_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(FormatError, match="expected a 32-byte SHA-256 digest, found 20 bytes"):
        _signer(FakeStack(), 1).sign_digest(b"\x00" * 20)
