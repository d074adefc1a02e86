"""Keys, certificates and entry requests built the way the real clients build them.

Shapes: sigstore-clients.md §5.1–§5.2 (Rekor v1: sigstore-python, sigstore-js) and
§6.1–§6.2 (Rekor v2). Everything is generated here; nothing is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID

from sigstack.core.dsse import pae

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

INTOTO = "application/vnd.in-toto+json"
EMAIL = "Alice@Example.com"
URI = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
FULCIO_USERNAME = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.7")
#: The index keys of ``fulcio_like_certificate``'s identities.
IDENTITY_KEYS = {
    "email:alice@example.com",
    *(f"subject:{s}" for s in (EMAIL, URI, "build.example.com", "192.0.2.7", "alice")),
}
HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
CURVE_HASH = {"secp256r1": "sha256", "secp384r1": "sha384", "secp521r1": "sha512"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@cache
def private_key(kind: str) -> PrivateKey:
    """One key per kind for the whole run: ``p256 p384 p521 rsa2048 rsa3072 rsa4096 ed25519``."""
    if kind.startswith("p"):
        curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}[kind]
        return ec.generate_private_key(curve)
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:]))
    assert kind == "ed25519"
    return ed25519.Ed25519PrivateKey.generate()


@cache
def dsa_public_pem() -> bytes:
    """A key type the log does not accept."""
    return pem_of(dsa.generate_private_key(2048))  # type: ignore[arg-type]


def secp256k1_public_pem() -> bytes:
    """An ECDSA curve the log does not accept."""
    return pem_of(ec.generate_private_key(ec.SECP256K1()))


def other_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key, for signatures that must not verify."""
    return ec.generate_private_key(ec.SECP256R1())


def pem_of(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def der_of(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def spki_hash(key: PrivateKey) -> str:
    return hashlib.sha256(der_of(key)).hexdigest()


def certificate(key: PrivateKey, *names: x509.GeneralName) -> x509.Certificate:
    """A self-signed certificate for ``key`` (fixed validity: no wall clock)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sigstack test")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(minutes=10))
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=True)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


def fulcio_like_certificate(key: PrivateKey) -> x509.Certificate:
    """Email, URI, DNS, IP and Fulcio username SANs."""
    return certificate(
        key,
        x509.RFC822Name(EMAIL),
        x509.UniformResourceIdentifier(URI),
        x509.DNSName("build.example.com"),
        x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
        x509.OtherName(FULCIO_USERNAME, b"\x0c\x05alice"),
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def sign_digest(key: PrivateKey, digest: bytes, hash_name: str) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(utils.Prehashed(HASHES[hash_name])))
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(HASHES[hash_name]))


def sign_message(key: PrivateKey, message: bytes) -> bytes:
    """Sign with the hash that goes with the key (P-384 → SHA-384, RSA → SHA-256, …)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(HASHES[CURVE_HASH[key.curve.name]]))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(message)


def statement(*digests: str) -> bytes:
    """An in-toto statement whose subjects have the given SHA-256 digests."""
    subjects = [{"name": f"f{i}", "digest": {"sha256": d}} for i, d in enumerate(digests)]
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": subjects,
            "predicateType": "https://slsa.dev/provenance/v1",
            "predicate": {},
        }
    ).encode()


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


# Rekor v1 ProposedEntry ------------------------------------------------------------------


def hashedrekord_v1(
    key: PrivateKey, public: bytes, *, data: bytes = b"artifact", hash_name: str = "sha256"
) -> dict[str, Any]:
    """sigstore-python's hashedrekord: ``public`` is the PEM (key or certificate)."""
    digest = hashlib.new(hash_name, data).digest()
    return {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {
                "content": b64(sign_digest(key, digest, hash_name)),
                "publicKey": {"content": b64(public)},
            },
            "data": {"hash": {"algorithm": hash_name, "value": digest.hex()}},
        },
    }


def envelope(
    payload: bytes, signers: list[PrivateKey], payload_type: str = INTOTO
) -> dict[str, Any]:
    """A DSSE envelope signed by every key in ``signers`` (no keyid, as sigstore-python)."""
    message = pae(payload_type, payload)
    return {
        "payload": b64(payload),
        "payloadType": payload_type,
        "signatures": [{"sig": b64(sign_message(k, message))} for k in signers],
    }


def dsse_v1(env: dict[str, Any], verifiers: list[bytes]) -> dict[str, Any]:
    """sigstore-python's dsse 0.0.1: the envelope as a JSON string, verifiers as b64 PEM."""
    return {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(env, separators=(",", ":")),
                "verifiers": [b64(v) for v in verifiers],
            }
        },
    }


def intoto_v2(
    payload: bytes, signers: list[tuple[PrivateKey, bytes]], *, keyid: str = ""
) -> dict[str, Any]:
    """sigstore-js ``legacyCompatibility``: payload and sig double base64 (§5.2)."""
    message = pae(INTOTO, payload)
    signatures = []
    for key, public in signers:
        item = {"sig": b64(b64(sign_message(key, message)).encode()), "publicKey": b64(public)}
        if keyid:
            item["keyid"] = keyid
        signatures.append(item)
    envelope_hash = hashlib.sha256(b"client-side serialization of the envelope").hexdigest()
    return {
        "apiVersion": "0.0.2",
        "kind": "intoto",
        "spec": {
            "content": {
                "envelope": {
                    "payloadType": INTOTO,
                    "payload": b64(b64(payload).encode()),
                    "signatures": signatures,
                },
                "hash": {"algorithm": "sha256", "value": envelope_hash},
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(payload).hexdigest(),
                },
            }
        },
    }


# Rekor v2 CreateEntryRequest ---------------------------------------------------------------


def verifier_v2(
    key: PrivateKey, key_details: str, cert: x509.Certificate | None = None
) -> dict[str, Any]:
    if cert is not None:
        return {"x509Certificate": {"rawBytes": b64(cert_der(cert))}, "keyDetails": key_details}
    return {"publicKey": {"rawBytes": b64(der_of(key))}, "keyDetails": key_details}


def hashedrekord_v2(
    key: PrivateKey,
    key_details: str,
    *,
    cert: x509.Certificate | None = None,
    data: bytes = b"artifact",
    hash_name: str = "sha256",
) -> dict[str, Any]:
    digest = hashlib.new(hash_name, data).digest()
    return {
        "hashedRekordRequestV002": {
            "digest": b64(digest),
            "signature": {
                "content": b64(sign_digest(key, digest, hash_name)),
                "verifier": verifier_v2(key, key_details, cert),
            },
        }
    }


def dsse_v2(env: dict[str, Any], verifiers: list[dict[str, Any]]) -> dict[str, Any]:
    """sigstore-js's dsseRequestV002 (keyid sent, empty)."""
    env = dict(env, signatures=[dict(s, keyid="") for s in env["signatures"]])
    return {"dsseRequestV002": {"envelope": env, "verifiers": verifiers}}
