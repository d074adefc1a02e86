"""Request bodies exactly as the real clients build them (sigstore-clients.md §4.1, §4.2)."""

from __future__ import annotations

import base64
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def csr_body(key: ec.EllipticCurvePrivateKey | None = None) -> tuple[dict[str, Any], Any]:
    """sigstore-python 4.5.1: P-256 key, empty subject, BasicConstraints(ca=False) critical."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = csr.public_bytes(serialization.Encoding.PEM)
    return {"certificateSigningRequest": base64.b64encode(pem).decode()}, key


def pop_body(
    token: str, challenge: str, key: Any = None, *, der: bool = False
) -> tuple[dict[str, Any], Any]:
    """sigstore-js / cosign: SPKI PEM (or base64 DER) + signature over the challenge."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    if der:
        content = base64.b64encode(
            public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode()
    else:
        content = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
    signature = key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))
    body = {
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": content},
            "proofOfPossession": base64.b64encode(signature).decode(),
        },
    }
    return body, key


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def chain_of(response_json: dict[str, Any]) -> list[x509.Certificate]:
    pems = response_json["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    return [x509.load_pem_x509_certificate(p.encode()) for p in pems]


def ext(cert: x509.Certificate, oid: str) -> bytes:
    value = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
    assert isinstance(value, x509.UnrecognizedExtension)
    return value.value
