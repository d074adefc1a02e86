"""``MerkleTreeLeaf`` of RFC 6962 §3.4: what a CT log hashes into its tree.

::

    MerkleTreeLeaf := version = v1 (1) ‖ leaf_type = timestamped_entry (1) ‖ TimestampedEntry
    TimestampedEntry := timestamp (u64, ms) ‖ entry_type (u16) ‖ signed_entry
                        ‖ extensions<0..2^16-1>

The leaf hash is ``SHA-256(0x00 ‖ MerkleTreeLeaf)`` (§2.1, ``core.merkle.rfc6962.leaf_hash``).
``signed_entry`` is the same as in the SCT signature input (§3.2), so an SCT and its
leaf commit to identical bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sigstack.core.ct.encoding import Reader, u8, u16, u64, vector
from sigstack.errors import FormatError

__all__ = [
    "ENTRY_TYPE_PRECERT",
    "ENTRY_TYPE_X509",
    "ParsedLeaf",
    "extra_data_precert",
    "extra_data_x509",
    "merkle_tree_leaf_precert",
    "merkle_tree_leaf_x509",
    "parse_merkle_tree_leaf",
    "signed_entry_precert",
    "signed_entry_x509",
]

#: ``LogEntryType.x509_entry``.
ENTRY_TYPE_X509 = 0
#: ``LogEntryType.precert_entry``.
ENTRY_TYPE_PRECERT = 1
_V1 = 0
_TIMESTAMPED_ENTRY = 0
_KEY_HASH_SIZE = 32
_PRECERT_TYPE = u16(ENTRY_TYPE_PRECERT)


def signed_entry_x509(certificate_der: bytes) -> bytes:
    """``entry_type = x509_entry ‖ ASN.1Cert<1..2^24-1>``."""
    if not certificate_der:
        raise FormatError("an x509_entry needs a non-empty certificate")
    return u16(ENTRY_TYPE_X509) + vector(certificate_der, 3)


def signed_entry_precert(issuer_key_hash: bytes, tbs_certificate: bytes) -> bytes:
    """``entry_type = precert_entry ‖ issuer_key_hash[32] ‖ TBSCertificate<1..2^24-1>``."""
    if len(issuer_key_hash) != _KEY_HASH_SIZE:
        raise FormatError(f"issuer_key_hash must be 32 bytes, got {len(issuer_key_hash)}")
    if not tbs_certificate:
        raise FormatError("a precert_entry needs a non-empty TBSCertificate")
    size = len(tbs_certificate)
    if size >= 1 << 24:
        vector(tbs_certificate, 3)  # raises the length refusal
    return b"".join((_PRECERT_TYPE, issuer_key_hash, size.to_bytes(3, "big"), tbs_certificate))


def _leaf(timestamp: int, signed_entry: bytes, extensions: bytes) -> bytes:
    return u8(_V1) + u8(_TIMESTAMPED_ENTRY) + u64(timestamp) + signed_entry + vector(extensions, 2)


def merkle_tree_leaf_precert(
    *, timestamp: int, issuer_key_hash: bytes, tbs_certificate: bytes, extensions: bytes = b""
) -> bytes:
    """The leaf for a precertificate (TBS without the poison extension)."""
    return _leaf(timestamp, signed_entry_precert(issuer_key_hash, tbs_certificate), extensions)


def merkle_tree_leaf_x509(
    *, timestamp: int, certificate_der: bytes, extensions: bytes = b""
) -> bytes:
    """The leaf for a final certificate."""
    return _leaf(timestamp, signed_entry_x509(certificate_der), extensions)


class ParsedLeaf(NamedTuple):
    """The fields of a ``MerkleTreeLeaf``; ``issuer_key_hash`` is empty for x509 entries."""

    timestamp: int
    entry_type: int
    issuer_key_hash: bytes
    certificate: bytes
    extensions: bytes


def parse_merkle_tree_leaf(data: bytes) -> ParsedLeaf:
    """Parse a v1 ``MerkleTreeLeaf``; FormatError on anything else or trailing bytes."""
    reader = Reader(data, "MerkleTreeLeaf")
    version, leaf_type = reader.uint(1), reader.uint(1)
    if version != _V1 or leaf_type != _TIMESTAMPED_ENTRY:
        raise FormatError(f"MerkleTreeLeaf v{version} type {leaf_type} is not v1 timestamped")
    timestamp = reader.uint(8)
    entry_type = reader.uint(2)
    key_hash = b""
    if entry_type == ENTRY_TYPE_PRECERT:
        key_hash = reader.take(_KEY_HASH_SIZE)
    elif entry_type != ENTRY_TYPE_X509:
        raise FormatError(f"unknown entry_type {entry_type}")
    certificate = reader.vector(3)
    extensions = reader.vector(2)
    reader.done()
    return ParsedLeaf(timestamp, entry_type, key_hash, certificate, extensions)


def extra_data_x509(chain: Sequence[bytes]) -> bytes:
    """``X509ChainEntry.certificate_chain`` for ``get-entries`` (RFC 6962 §4.6): the issuers."""
    return vector(b"".join(vector(cert, 3) for cert in chain), 3)


def extra_data_precert(precertificate: bytes, chain: Sequence[bytes]) -> bytes:
    """``PrecertChainEntry`` (§4.6): the submitted precertificate, then its issuer chain."""
    return vector(precertificate, 3) + extra_data_x509(chain)
