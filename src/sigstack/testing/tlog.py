"""Build signed transparency-log requests the way real clients do, for tests and benchmarks.

Shapes follow sigstore-clients.md §5.1 (Rekor v1, sigstore-python) and §6.1
(Rekor v2). Keys and certificates are generated here; nothing is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from sigstack.core.dsse import pae

__all__ = ["Signer", "dsse_v1", "dsse_v2", "hashedrekord_v1", "hashedrekord_v2"]

_INTOTO = "application/vnd.in-toto+json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Signer:
    """An ECDSA P-256 key, optionally with a self-signed certificate carrying an email SAN."""

    email: str | None = None
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    certificate: x509.Certificate | None = None

    def __post_init__(self) -> None:
        if self.email is not None and self.certificate is None:
            # A fixed validity window: tests must not depend on the wall clock.
            start = datetime(2025, 1, 1, tzinfo=UTC)
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sigstack test")])
            self.certificate = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(self.key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(start)
                .not_valid_after(start + timedelta(days=3650))
                .add_extension(
                    x509.SubjectAlternativeName([x509.RFC822Name(self.email)]), critical=True
                )
                .sign(self.key, hashes.SHA256())
            )

    @property
    def public_pem(self) -> bytes:
        """PEM of the certificate if there is one, else of the public key."""
        if self.certificate is not None:
            return self.certificate.public_bytes(serialization.Encoding.PEM)
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_der(self) -> bytes:
        """DER of the certificate if there is one, else of the SPKI."""
        if self.certificate is not None:
            return self.certificate.public_bytes(serialization.Encoding.DER)
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign_digest(self, digest: bytes) -> bytes:
        """ECDSA over a SHA-256 digest."""
        return self.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))

    def sign(self, message: bytes) -> bytes:
        """ECDSA-SHA256 over a message."""
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))

    def verifier_v2(self) -> dict[str, Any]:
        """A Rekor v2 ``Verifier`` for this key."""
        raw = {"rawBytes": _b64(self.public_der)}
        which = "x509Certificate" if self.certificate is not None else "publicKey"
        return {which: raw, "keyDetails": "PKIX_ECDSA_P256_SHA_256"}


def hashedrekord_v1(signer: Signer, artifact: bytes) -> dict[str, Any]:
    """A Rekor v1 hashedrekord 0.0.1 proposed entry for ``artifact``."""
    digest = hashlib.sha256(artifact).digest()
    return {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {
                "content": _b64(signer.sign_digest(digest)),
                "publicKey": {"content": _b64(signer.public_pem)},
            },
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        },
    }


def _statement(artifact: bytes) -> bytes:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": "artifact", "digest": {"sha256": hashlib.sha256(artifact).hexdigest()}}
        ],
        "predicateType": "https://sigstack.dev/test/v1",
        "predicate": {},
    }
    return json.dumps(statement).encode()


def dsse_v1(signer: Signer, artifact: bytes) -> dict[str, Any]:
    """A Rekor v1 dsse 0.0.1 proposed entry over an in-toto statement about ``artifact``."""
    payload = _statement(artifact)
    envelope = {
        "payload": _b64(payload),
        "payloadType": _INTOTO,
        "signatures": [{"sig": _b64(signer.sign(pae(_INTOTO, payload)))}],
    }
    return {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(envelope),
                "verifiers": [_b64(signer.public_pem)],
            }
        },
    }


def hashedrekord_v2(signer: Signer, artifact: bytes) -> dict[str, Any]:
    """A Rekor v2 ``hashedRekordRequestV002`` for ``artifact``."""
    digest = hashlib.sha256(artifact).digest()
    return {
        "hashedRekordRequestV002": {
            "digest": _b64(digest),
            "signature": {
                "content": _b64(signer.sign_digest(digest)),
                "verifier": signer.verifier_v2(),
            },
        }
    }


def dsse_v2(signer: Signer, artifact: bytes) -> dict[str, Any]:
    """A Rekor v2 ``dsseRequestV002`` (what sigstore-js sends) over an in-toto statement."""
    payload = _statement(artifact)
    return {
        "dsseRequestV002": {
            "envelope": {
                "payload": _b64(payload),
                "payloadType": _INTOTO,
                "signatures": [{"sig": _b64(signer.sign(pae(_INTOTO, payload))), "keyid": ""}],
            },
            "verifiers": [signer.verifier_v2()],
        }
    }
