"""The RFC 3161 timestamp request a signer sends, as sigstore-python 4.5.1 sends it.

``TimeStampReq { version 1, messageImprint { sha256 (parameters NULL), SHA-256(signature) },
nonce: a random 64-bit INTEGER, certReq: TRUE }`` in DER (RFC 3161 §2.4.1;
sigstore-clients.md §7.1): byte for byte the shape rfc3161-client's
``TimestampRequestBuilder().hash_algorithm(SHA256).data(signature).build()`` produces, written
out here so that signing does not import rfc3161-client (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import secrets

from sigstack.core.x509.der import encode_tlv

__all__ = ["timestamp_request"]

_SEQUENCE, _INTEGER, _OCTET_STRING = 0x30, 0x02, 0x04
#: AlgorithmIdentifier { id-sha256 (2.16.840.1.101.3.4.2.1), NULL } (RFC 5754 §2).
_SHA256 = bytes.fromhex("300d06096086480165030402010500")
_VERSION_1 = encode_tlv(_INTEGER, b"\x01")
_CERT_REQ_TRUE = bytes.fromhex("0101ff")  # BOOLEAN TRUE (X.690 §11.1)


def _integer(value: int) -> bytes:
    """A non-negative INTEGER in the fewest octets, two's complement (X.690 §8.3)."""
    return encode_tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def timestamp_request(signature: bytes, *, nonce: int | None = None) -> bytes:
    """The DER ``TimeStampReq`` for ``signature`` (the bytes timestamped, §7.1); ``nonce``
    defaults to a fresh random 64-bit value."""
    if nonce is None:
        nonce = secrets.randbits(64)
    if nonce < 0:
        raise ValueError(f"expected a non-negative nonce, found {nonce}")
    imprint = encode_tlv(
        _SEQUENCE, _SHA256 + encode_tlv(_OCTET_STRING, hashlib.sha256(signature).digest())
    )
    return encode_tlv(_SEQUENCE, _VERSION_1 + imprint + _integer(nonce) + _CERT_REQ_TRUE)
