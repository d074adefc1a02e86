"""The log requests a signer sends, as sigstore-python 4.5.1 sends them.

* Rekor v1 ``hashedrekord`` 0.0.1 and ``dsse`` 0.0.1 proposed entries (sigstore-clients.md §5.1):
  the certificate as base64 of its PEM; the DSSE envelope as a JSON **string**, no ``keyid``.
* Rekor v2 ``hashedRekordRequestV002`` (§6.1), for DSSE too (sigstore-python ≥ 4.3): the
  digest is SHA-256(PAE(payloadType, payload)) and the signature the envelope's.

The signer is the signing certificate, or a managed ECDSA P-256 public key (cosign ``--key``):
v1 then holds the key's PEM SubjectPublicKeyInfo where the certificate's PEM would be, v2 a
``publicKey`` verifier with the DER SPKI instead of ``x509Certificate``.
"""

from __future__ import annotations

import base64
import json
from typing import Any, TypeAlias

from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.x509.certificate import Certificate
from sigstack.core.x509.pem import pem_encode
from sigstack.core.x509.spki import ec_spki

__all__ = ["SignerMaterial", "dsse_envelope", "dsse_v1", "hashedrekord_v1", "hashedrekord_v2"]

#: Who the log records as the signer: a signing certificate, or a managed P-256 public key.
SignerMaterial: TypeAlias = Certificate | ec.EllipticCurvePublicKey


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem_b64(signer: SignerMaterial) -> str:
    """Base64 of the PEM, written as cryptography writes it (verifiers rebuild it to compare)."""
    if isinstance(signer, Certificate):
        return _b64(pem_encode("CERTIFICATE", signer.der).encode())
    return _b64(pem_encode("PUBLIC KEY", ec_spki(signer)).encode())


def _verifier(signer: SignerMaterial) -> dict[str, Any]:
    if isinstance(signer, Certificate):
        material = {"x509Certificate": {"rawBytes": _b64(signer.der)}}
    else:
        material = {"publicKey": {"rawBytes": _b64(ec_spki(signer))}}
    return {**material, "keyDetails": "PKIX_ECDSA_P256_SHA_256"}


def hashedrekord_v1(certificate: SignerMaterial, digest: bytes, signature: bytes) -> dict[str, Any]:
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


def dsse_v1(certificate: SignerMaterial, envelope: dict[str, Any]) -> dict[str, Any]:
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


def hashedrekord_v2(certificate: SignerMaterial, digest: bytes, signature: bytes) -> dict[str, Any]:
    """``CreateEntryRequest`` with ``hashedRekordRequestV002`` (§6.1)."""
    return {
        "hashedRekordRequestV002": {
            "digest": _b64(digest),
            "signature": {
                "content": _b64(signature),
                "verifier": _verifier(certificate),
            },
        }
    }
