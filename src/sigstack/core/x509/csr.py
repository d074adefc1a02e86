"""The signer's PKCS#10 certificate request, as sigstore-python sends it (RFC 2986 §4;
sigstore-clients.md §4.1).

An empty subject, the ephemeral EC key's SubjectPublicKeyInfo, and one attribute,
extensionRequest (PKCS#9, RFC 2985 §5.4.2) with BasicConstraints cA=FALSE marked critical;
signed ECDSA with SHA-256 (RFC 5758 §3.2) — the bytes cryptography's
``CertificateSigningRequestBuilder`` writes for the same request. Built here from DER so that
signing does not import ``cryptography.x509`` (docs/benchmarks.md).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.x509.der import encode_tlv
from sigstack.core.x509.pem import pem_encode
from sigstack.core.x509.spki import ec_spki

__all__ = ["certificate_request"]

_SEQUENCE, _SET, _OID = 0x30, 0x31, 0x06
_ATTRIBUTES = 0xA0  # [0] IMPLICIT SET OF Attribute

#: ecdsa-with-SHA256 (1.2.840.10045.4.3.2), no parameters (RFC 5758 §3.2).
_ECDSA_SHA256 = encode_tlv(_SEQUENCE, encode_tlv(_OID, bytes.fromhex("2a8648ce3d040302")))
#: Extension { basicConstraints (2.5.29.19), critical TRUE, OCTET STRING { SEQUENCE {} } }:
#: cA=FALSE is the DEFAULT, so DER leaves the SEQUENCE empty.
_BASIC_CONSTRAINTS = encode_tlv(_SEQUENCE, bytes.fromhex("0603551d130101ff04023000"))
#: Attribute { extensionRequest (1.2.840.113549.1.9.14), SET { Extensions } }.
_EXTENSION_REQUEST = encode_tlv(
    _SEQUENCE,
    encode_tlv(_OID, bytes.fromhex("2a864886f70d01090e"))
    + encode_tlv(_SET, encode_tlv(_SEQUENCE, _BASIC_CONSTRAINTS)),
)
_VERSION_1 = bytes.fromhex("020100")  # INTEGER 0
_EMPTY_NAME = bytes.fromhex("3000")


def certificate_request(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The PEM ``CERTIFICATE REQUEST`` for ``key`` (RFC 2986 §4.1, RFC 7468 §7)."""
    info = encode_tlv(
        _SEQUENCE,
        _VERSION_1
        + _EMPTY_NAME
        + ec_spki(key.public_key())
        + encode_tlv(_ATTRIBUTES, _EXTENSION_REQUEST),
    )
    signature = key.sign(info, ec.ECDSA(hashes.SHA256()))
    der = encode_tlv(_SEQUENCE, info + _ECDSA_SHA256 + encode_tlv(0x03, b"\x00" + signature))
    return pem_encode("CERTIFICATE REQUEST", der).encode()
