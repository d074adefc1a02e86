"""Sigstore bundles: frozen model and strict parser (sigstore-clients.md §9.1)."""

from sigstack.core.bundle.model import (
    Bundle,
    Checkpoint,
    DsseEnvelope,
    DsseSignature,
    InclusionPromise,
    InclusionProof,
    KindVersion,
    MessageSignature,
    TlogEntry,
)
from sigstack.core.bundle.parse import MEDIA_TYPES, parse_bundle

__all__ = [
    "MEDIA_TYPES",
    "Bundle",
    "Checkpoint",
    "DsseEnvelope",
    "DsseSignature",
    "InclusionPromise",
    "InclusionProof",
    "KindVersion",
    "MessageSignature",
    "TlogEntry",
    "parse_bundle",
]
