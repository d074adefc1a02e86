"""The log requests a signer sends, as sigstore-python 4.5.1 sends them.

* Rekor v1 ``hashedrekord`` 0.0.1 and ``dsse`` 0.0.1 proposed entries (sigstore-clients.md §5.1):
  the certificate as base64 of its PEM; the DSSE envelope as a JSON **string**, no ``keyid``.
* Rekor v2 ``hashedRekordRequestV002`` (§6.1), for DSSE too (sigstore-python ≥ 4.3): the
  digest is SHA-256(PAE(payloadType, payload)) and the signature the envelope's.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = ["dsse_envelope", "dsse_v1", "hashedrekord_v1", "hashedrekord_v2"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem_b64(certificate: x509.Certificate) -> str:
    return _b64(certificate.public_bytes(serialization.Encoding.PEM))


def hashedrekord_v1(
    certificate: x509.Certificate, digest: bytes, signature: bytes
) -> dict[str, Any]:
    """``hashedrekord`` 0.0.1 over a SHA-256 ``digest`` (§5.1)."""
    return {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {
                "content": _b64(signature),
                "publicKey": {"content": _pem_b64(certificate)},
            },
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        },
    }


def dsse_envelope(payload_type: str, payload: bytes, signature: bytes) -> dict[str, Any]:
    """The DSSE envelope as protobuf JSON (bundle ``dsseEnvelope``); one signature, no keyid."""
    return {
        "payload": _b64(payload),
        "payloadType": payload_type,
        "signatures": [{"sig": _b64(signature)}],
    }


def dsse_v1(certificate: x509.Certificate, envelope: dict[str, Any]) -> dict[str, Any]:
    """``dsse`` 0.0.1 with the envelope as a compact JSON string (§5.1)."""
    return {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(envelope, separators=(",", ":")),
                "verifiers": [_pem_b64(certificate)],
            }
        },
    }


def hashedrekord_v2(
    certificate: x509.Certificate, digest: bytes, signature: bytes
) -> dict[str, Any]:
    """``CreateEntryRequest`` with ``hashedRekordRequestV002`` (§6.1)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return {
        "hashedRekordRequestV002": {
            "digest": _b64(digest),
            "signature": {
                "content": _b64(signature),
                "verifier": {
                    "x509Certificate": {"rawBytes": _b64(der)},
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                },
            },
        }
    }
