"""Sigstore bundle types (protobuf-specs ``sigstore_bundle.proto``; sigstore-clients.md §9.1).

Frozen values produced by :func:`sigstack.core.bundle.parse.parse_bundle`; bytes are decoded,
integers are ints. Nothing here checks signatures: that is :mod:`sigstack.verify`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Bundle",
    "Checkpoint",
    "DsseEnvelope",
    "DsseSignature",
    "InclusionPromise",
    "InclusionProof",
    "KindVersion",
    "MessageSignature",
    "TlogEntry",
]


@dataclass(frozen=True)
class KindVersion:
    """``kindVersion``: entry kind (``hashedrekord``, ``dsse``, ``intoto``) and its version."""

    kind: str
    version: str


@dataclass(frozen=True)
class Checkpoint:
    """``inclusionProof.checkpoint.envelope``: the signed-note text."""

    envelope: str


@dataclass(frozen=True)
class InclusionProof:
    """``inclusionProof``: tree-local index, tree size, root and the audit path."""

    log_index: int
    root_hash: bytes
    tree_size: int
    hashes: tuple[bytes, ...]
    checkpoint: Checkpoint | None


@dataclass(frozen=True)
class InclusionPromise:
    """``inclusionPromise``: the Rekor v1 SignedEntryTimestamp (SET)."""

    signed_entry_timestamp: bytes


@dataclass(frozen=True)
class TlogEntry:
    """One ``tlogEntries[]`` item (``TransparencyLogEntry``)."""

    log_index: int
    log_id: bytes
    kind_version: KindVersion
    integrated_time: int
    inclusion_promise: InclusionPromise | None
    inclusion_proof: InclusionProof | None
    canonicalized_body: bytes


@dataclass(frozen=True)
class MessageSignature:
    """``messageSignature``: optional digest of the artifact and the signature over it."""

    digest_algorithm: str | None
    digest: bytes | None
    signature: bytes


@dataclass(frozen=True)
class DsseSignature:
    """One DSSE ``signatures[]`` item."""

    sig: bytes
    keyid: str


@dataclass(frozen=True)
class DsseEnvelope:
    """``dsseEnvelope``: payload, its type and the signatures over its PAE."""

    payload: bytes
    payload_type: str
    signatures: tuple[DsseSignature, ...]


@dataclass(frozen=True)
class Bundle:
    """A parsed bundle. Exactly one of ``certificate_chain`` / ``public_key_hint`` is set.

    ``certificate_chain`` is leaf first: v0.3's single ``certificate`` or v0.1/v0.2's
    ``x509CertificateChain.certificates`` (DER).
    """

    media_type: str
    version: str  # "0.1", "0.2" or "0.3"
    certificate_chain: tuple[bytes, ...] | None
    public_key_hint: str | None
    tlog_entries: tuple[TlogEntry, ...]
    rfc3161_timestamps: tuple[bytes, ...]
    message_signature: MessageSignature | None
    dsse_envelope: DsseEnvelope | None

    @property
    def leaf_der(self) -> bytes | None:
        """DER of the signing certificate, or ``None`` for a managed-key bundle."""
        return self.certificate_chain[0] if self.certificate_chain else None
