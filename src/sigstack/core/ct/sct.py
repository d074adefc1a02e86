"""Signed certificate timestamps (RFC 6962 §3.2) and the SCT list extension (§3.3).

Wire layout (ca-tsa-oidc-tuf.md §6.2)::

    SignedCertificateTimestamp := sct_version (1) ‖ log_id (32) ‖ timestamp (u64, ms)
                                  ‖ extensions<0..2^16-1> ‖ digitally-signed
    signed data (§3.2)         := sct_version (1) ‖ signature_type = certificate_timestamp (1)
                                  ‖ timestamp (u64) ‖ entry_type (u16) ‖ signed_entry
                                  ‖ extensions<0..2^16-1>

``signed_entry`` is ``ASN.1Cert<1..2^24-1>`` for an ``x509_entry`` and
``issuer_key_hash (32) ‖ TBSCertificate<1..2^24-1>`` for a ``precert_entry``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from sigstack.core.ct.encoding import Reader, u8, u64, vector
from sigstack.core.ct.leaf import signed_entry_precert, signed_entry_x509
from sigstack.core.ct.signing import (
    LogPrivateKey,
    decode_digitally_signed,
    digitally_sign,
    encode_digitally_signed,
    verify_digitally_signed,
)
from sigstack.errors import FormatError, SignatureError

if TYPE_CHECKING:
    from cryptography import x509

__all__ = [
    "SCT_VERSION_V1",
    "SignedCertificateTimestamp",
    "decode_sct_list",
    "encode_sct_list",
    "issuer_key_hash",
    "log_id_of",
    "precert_signed_data",
    "sct_list_extension_value",
    "sign_sct",
    "verify_sct",
    "x509_signed_data",
]

#: ``Version.v1`` (RFC 6962 §3.2).
SCT_VERSION_V1 = 0
#: ``SignatureType.certificate_timestamp``.
_CERTIFICATE_TIMESTAMP = 0
_LOG_ID_SIZE = 32
#: ``sct_version = v1 ‖ signature_type = certificate_timestamp``.
_SIGNED_DATA_HEAD = u8(SCT_VERSION_V1) + u8(_CERTIFICATE_TIMESTAMP)


class SignedCertificateTimestamp(NamedTuple):
    """One SCT as RFC 6962 §3.2 defines it; ``timestamp`` in milliseconds since the epoch."""

    version: int
    log_id: bytes
    timestamp: int
    extensions: bytes
    hash_algorithm: int
    signature_algorithm: int
    signature: bytes

    def to_bytes(self) -> bytes:
        """TLS encoding of the SCT."""
        if len(self.log_id) != _LOG_ID_SIZE:
            raise FormatError(f"log_id must be {_LOG_ID_SIZE} bytes, got {len(self.log_id)}")
        return (
            u8(self.version)
            + self.log_id
            + u64(self.timestamp)
            + vector(self.extensions, 2)
            + encode_digitally_signed(self.hash_algorithm, self.signature_algorithm, self.signature)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse a TLS-encoded v1 SCT; FormatError on another version, short or trailing data."""
        reader = Reader(data, "SCT")
        version = reader.uint(1)
        if version != SCT_VERSION_V1:
            raise FormatError(f"SCT version {version} is not v1 ({SCT_VERSION_V1})")
        log_id = reader.take(_LOG_ID_SIZE)
        timestamp = reader.uint(8)
        extensions = reader.vector(2)
        hash_alg, sig_alg, sig = decode_digitally_signed(reader)
        reader.done()
        return cls(version, log_id, timestamp, extensions, hash_alg, sig_alg, sig)

    def to_json(self) -> dict[str, Any]:
        """The ``add-chain`` / ``add-pre-chain`` response of RFC 6962 §4.1."""
        return {
            "sct_version": self.version,
            "id": base64.b64encode(self.log_id).decode(),
            "timestamp": self.timestamp,
            "extensions": base64.b64encode(self.extensions).decode(),
            "signature": base64.b64encode(
                encode_digitally_signed(
                    self.hash_algorithm, self.signature_algorithm, self.signature
                )
            ).decode(),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Self:
        """Parse an RFC 6962 §4.1 response; FormatError naming the bad field."""
        try:
            version = body["sct_version"]
            timestamp = body["timestamp"]
            log_id = base64.b64decode(body["id"], validate=True)
            extensions = base64.b64decode(body["extensions"], validate=True)
            signed = base64.b64decode(body["signature"], validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not an RFC 6962 §4.1 SCT response: {exc!r}") from exc
        if not isinstance(version, int) or not isinstance(timestamp, int):
            raise FormatError("sct_version and timestamp must be integers")
        reader = Reader(signed, "SCT signature")
        hash_alg, sig_alg, sig = decode_digitally_signed(reader)
        reader.done()
        if version != SCT_VERSION_V1 or len(log_id) != _LOG_ID_SIZE:
            raise FormatError(f"expected a v1 SCT with a 32-byte id; got v{version}")
        return cls(version, log_id, timestamp, extensions, hash_alg, sig_alg, sig)


def encode_sct_list(scts: Sequence[SignedCertificateTimestamp]) -> bytes:
    """``SignedCertificateTimestampList`` (§3.3): u16 total ‖ {u16 len ‖ SCT}*."""
    return vector(b"".join(vector(s.to_bytes(), 2) for s in scts), 2)


def decode_sct_list(data: bytes) -> list[SignedCertificateTimestamp]:
    """Parse a ``SignedCertificateTimestampList``; FormatError on bad lengths."""
    outer = Reader(data, "SCT list")
    inner = Reader(outer.vector(2), "SCT list")
    outer.done()
    scts = []
    while inner.remaining:
        scts.append(SignedCertificateTimestamp.from_bytes(inner.vector(2)))
    return scts


def sct_list_extension_value(scts: Sequence[SignedCertificateTimestamp]) -> bytes:
    """DER ``OCTET STRING`` holding the list: the extnValue payload of OID 1.3.6.1.4.1.11129.2.4.2.

    Use as ``x509.UnrecognizedExtension(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
    value)``, non-critical and last (ca-tsa-oidc-tuf.md §6.3).
    """
    payload = encode_sct_list(scts)
    size = len(payload)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x04" + length + payload


def _spki(public_key: object) -> bytes:
    # imported here: the signer hashes SPKI bytes it already holds (sign/_sct.py), and a
    # short-lived sign-blob never loads the serialization package (docs/benchmarks.md)
    from cryptography.hazmat.primitives import serialization

    if not hasattr(public_key, "public_bytes"):
        raise FormatError(f"not a public key: {type(public_key).__name__}")
    der: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def log_id_of(public_key: object) -> bytes:
    """The log ID: SHA-256 of the log key's DER SubjectPublicKeyInfo (RFC 6962 §3.2)."""
    return hashlib.sha256(_spki(public_key)).digest()


def issuer_key_hash(issuer: x509.Certificate) -> bytes:
    """SHA-256 of the issuer's DER SubjectPublicKeyInfo (RFC 6962 §3.2, ``issuer_key_hash``)."""
    return hashlib.sha256(_spki(issuer.public_key())).digest()


def _signed_data(timestamp: int, signed_entry: bytes, extensions: bytes) -> bytes:
    return b"".join((_SIGNED_DATA_HEAD, u64(timestamp), signed_entry, vector(extensions, 2)))


def precert_signed_data(
    *, timestamp: int, issuer_key_hash: bytes, tbs_certificate: bytes, extensions: bytes = b""
) -> bytes:
    """The bytes an SCT for a precertificate signs (§3.2, ``entry_type = precert_entry``).

    ``tbs_certificate`` is the precertificate's TBSCertificate without the poison
    extension (``Certificate.tbs_precertificate_bytes``).
    """
    entry = signed_entry_precert(issuer_key_hash, tbs_certificate)
    return _signed_data(timestamp, entry, extensions)


def x509_signed_data(*, timestamp: int, certificate_der: bytes, extensions: bytes = b"") -> bytes:
    """The bytes an SCT for a final certificate signs (§3.2, ``entry_type = x509_entry``)."""
    return _signed_data(timestamp, signed_entry_x509(certificate_der), extensions)


def sign_sct(
    private_key: LogPrivateKey, signed_data: bytes, *, timestamp: int, extensions: bytes = b""
) -> SignedCertificateTimestamp:
    """An SCT over ``signed_data`` (built with the same ``timestamp`` and ``extensions``)."""
    hash_alg, sig_alg, sig = digitally_sign(private_key, signed_data)
    public_key = private_key.public_key()
    return SignedCertificateTimestamp(
        SCT_VERSION_V1, log_id_of(public_key), timestamp, extensions, hash_alg, sig_alg, sig
    )


def verify_sct(
    sct: SignedCertificateTimestamp,
    signed_data: bytes,
    public_key: object,
    *,
    log_id: bytes | None = None,
) -> None:
    """Check ``sct`` against the log key and the signed data; raise SignatureError saying why.

    ``log_id``: the key's log ID when the caller holds it (the SHA-256 of the SPKI DER it
    loaded the key from); else it is computed from the key."""
    if sct.version != SCT_VERSION_V1:
        raise SignatureError(f"SCT version {sct.version} is not v1")
    expected = log_id_of(public_key) if log_id is None else log_id
    if sct.log_id != expected:
        raise SignatureError(
            f"SCT log ID {sct.log_id.hex()} is not this log's key ({expected.hex()})"
        )
    verify_digitally_signed(
        public_key,
        sct.hash_algorithm,
        sct.signature_algorithm,
        sct.signature,
        signed_data,
        what="SCT",
    )
