"""Rebuild the request a client sent from a sigstore-conformance bundle.

Each bundle (``../shared/conformance/bundle-verify/<case>/bundle.sigstore.json``, see that
folder's README) holds the signature, certificate (or a ``key.pub`` beside it) and digest
or DSSE envelope a client signed, and the ``canonicalizedBody`` the real log stored. From
the first we rebuild the proposed entry / create request exactly as sigstore-python sends it
(sigstore-clients.md §5.1, §6.1); our canonical body must equal the second, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.dsse import pae

BUNDLES = Path(__file__).resolve().parents[4].parent / "shared" / "conformance" / "bundle-verify"
KINDS = {
    ("hashedrekord", "0.0.1"),
    ("dsse", "0.0.1"),
    ("hashedrekord", "0.0.2"),
    ("intoto", "0.0.2"),
}


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    version: str
    request: bytes | None  # None: the bundle lacks the key or certificate
    body: bytes  # the canonicalizedBody the real log stored


def _leaf_der(material: dict[str, Any]) -> bytes | None:
    if "certificate" in material:
        return base64.b64decode(material["certificate"]["rawBytes"])
    chain = material.get("x509CertificateChain", {}).get("certificates", [])
    return base64.b64decode(chain[0]["rawBytes"]) if chain else None


def _public_pem(folder: Path, der: bytes | None) -> bytes | None:
    if der is not None:
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    key = folder / "key.pub"
    return key.read_bytes() if key.exists() else None


def _request(
    bundle: dict[str, Any], folder: Path, kind: str, version: str
) -> dict[str, Any] | None:
    der = _leaf_der(bundle["verificationMaterial"])
    pem = _public_pem(folder, der)
    if pem is None:
        return None
    if (kind, version) == ("hashedrekord", "0.0.1"):
        message = bundle["messageSignature"]
        digest = base64.b64decode(message["messageDigest"]["digest"]).hex()
        return {
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "signature": {
                    "content": message["signature"],
                    "publicKey": {"content": base64.b64encode(pem).decode()},
                },
                "data": {"hash": {"algorithm": "sha256", "value": digest}},
            },
        }
    envelope: dict[str, Any] = bundle.get("dsseEnvelope") or {}
    if (kind, version) == ("dsse", "0.0.1"):
        sent = {
            "payload": envelope["payload"],
            "payloadType": envelope["payloadType"],
            "signatures": [{"sig": s["sig"]} for s in envelope["signatures"]],
        }
        return {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "proposedContent": {
                    "envelope": json.dumps(sent, separators=(",", ":")),
                    "verifiers": [base64.b64encode(pem).decode()],
                }
            },
        }
    if (kind, version) == ("hashedrekord", "0.0.2"):
        if "messageSignature" in bundle:
            signature = bundle["messageSignature"]["signature"]
            digest_b64 = bundle["messageSignature"]["messageDigest"]["digest"]
        else:  # sigstore-python >= 4.3 logs DSSE as a hashedrekord over SHA-256(PAE) (§6.1)
            signature = envelope["signatures"][0]["sig"]
            payload = base64.b64decode(envelope["payload"])
            pae_digest = hashlib.sha256(pae(envelope["payloadType"], payload)).digest()
            digest_b64 = base64.b64encode(pae_digest).decode()
        assert der is not None
        return {
            "hashedRekordRequestV002": {
                "digest": digest_b64,
                "signature": {
                    "content": signature,
                    "verifier": {
                        "x509Certificate": {"rawBytes": base64.b64encode(der).decode()},
                        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    },
                },
            }
        }
    return None  # intoto: see test_intoto.py


def load_cases() -> list[Case]:
    """Every conformance case whose first tlog entry is of a kind we parse."""
    cases = []
    for path in sorted(BUNDLES.glob("*/bundle.sigstore.json")):
        try:
            bundle = json.loads(path.read_text())
            entry = bundle["verificationMaterial"]["tlogEntries"][0]
            body = base64.b64decode(entry["canonicalizedBody"])
        except (ValueError, KeyError, IndexError):
            continue  # bundle-malformed-json_fail and friends: nothing to rebuild
        kind, version = entry["kindVersion"]["kind"], entry["kindVersion"]["version"]
        if (kind, version) not in KINDS:
            continue
        request = _request(bundle, path.parent, kind, version)
        raw = None if request is None else json.dumps(request).encode()
        cases.append(Case(path.parent.name, kind, version, raw, body))
    return cases


def load_bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUNDLES / name / "bundle.sigstore.json").read_text())
    return data
