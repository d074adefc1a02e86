"""Sigstore bundle v0.3 as sigstore-python 4.5.1 writes it for a message signature.

``{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial":
{"certificate": {"rawBytes"}, "tlogEntries": [TransparencyLogEntry], "timestampVerificationData":
{"rfc3161Timestamps": [{"signedTimestamp"}]}}, "messageSignature": {"messageDigest":
{"algorithm": "SHA2_256", "digest"}, "signature"}}``, all bytes base64, uint64 as strings.

A Rekor v1 answer becomes a protobuf-JSON ``TransparencyLogEntry`` as sigstore-clients.md
§5.3 describes (hex → bytes, SET → ``inclusionPromise``, note text → ``checkpoint.envelope``);
a Rekor v2 answer (§6.3) is already one and is written back field for field.

A managed-key bundle (cosign ``--key``) carries ``{"publicKey": {"hint"}}`` instead of
``certificate``: the hint is base64(SHA-256(DER SubjectPublicKeyInfo)), as cosign writes it and
as the conformance suite's managed-key bundles carry it; verifiers take the key out of band.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sigstack.errors import FormatError

if TYPE_CHECKING:  # types only: importing sigstack.sign must not load the log's parsers
    from sigstack.clients.tlog import TransparencyLogEntryV2
    from sigstack.core.tlog.values import InclusionProof, LogEntryV1

__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "dsse_bundle",
    "entry_from_v1",
    "entry_from_v2",
    "logged_signature",
    "message_signature_bundle",
    "public_key_hint",
]

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _proof(proof: InclusionProof) -> dict[str, Any]:
    return {
        "logIndex": str(proof.log_index),
        "rootHash": _b64(proof.root_hash),
        "treeSize": str(proof.tree_size),
        "hashes": [_b64(h) for h in proof.hashes],
        "checkpoint": {"envelope": proof.checkpoint},
    }


def entry_from_v1(entry: LogEntryV1) -> dict[str, Any]:
    """The bundle's ``TransparencyLogEntry`` for a Rekor v1 ``LogEntry`` (§5.3)."""
    if entry.inclusion_proof is None or not entry.inclusion_proof.checkpoint:
        raise FormatError(
            "the Rekor v1 answer has no inclusion proof with a checkpoint; a bundle needs one",
            field="verification.inclusionProof",
        )
    if entry.signed_entry_timestamp is None:
        raise FormatError(
            "the Rekor v1 answer has no signedEntryTimestamp; a v1 bundle entry needs one",
            field="verification.signedEntryTimestamp",
        )
    return {
        "logIndex": str(entry.log_index),
        "logId": {"keyId": _b64(entry.log_id)},
        "kindVersion": {"kind": entry.kind, "version": entry.api_version},
        "integratedTime": str(entry.integrated_time),
        "inclusionPromise": {"signedEntryTimestamp": _b64(entry.signed_entry_timestamp)},
        "inclusionProof": _proof(entry.inclusion_proof),
        "canonicalizedBody": _b64(entry.body),
    }


def entry_from_v2(entry: TransparencyLogEntryV2) -> dict[str, Any]:
    """The bundle's ``TransparencyLogEntry`` for a Rekor v2 answer (§6.3; no integrated time)."""
    return {
        "logIndex": str(entry.log_index),
        "logId": {"keyId": _b64(entry.log_id)},
        "kindVersion": {"kind": entry.kind, "version": entry.version},
        "inclusionProof": _proof(entry.inclusion_proof),
        "canonicalizedBody": _b64(entry.canonicalized_body),
    }


def logged_signature(entry: dict[str, Any]) -> str:
    """The base64 signature the entry's canonical body holds (hashedrekord v1/v2, dsse v1)."""
    try:
        body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
        spec = body["spec"]
        if "hashedRekordV002" in spec:
            spec = spec["hashedRekordV002"]
        if body["kind"] == "dsse":  # dsse 0.0.1: {envelopeHash, payloadHash, signatures}
            content = spec["signatures"][0]["signature"]
        else:
            content = spec["signature"]["content"]
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(
            f"the log's entry is not a hashedrekord or dsse body: {exc}", field="canonicalizedBody"
        ) from exc
    if not isinstance(content, str):
        raise FormatError("expected a base64 signature", field="spec.signature.content")
    return content


def public_key_hint(spki_der: bytes) -> str:
    """The bundle's ``publicKey.hint`` for a managed key: base64(SHA-256(DER SPKI))."""
    return _b64(hashlib.sha256(spki_der).digest())


def _material(
    certificate_der: bytes | None,
    tlog_entry: dict[str, Any],
    timestamps: Sequence[bytes],
    hint: str | None,
) -> dict[str, Any]:
    if (certificate_der is None) == (hint is None):
        raise FormatError("a bundle carries exactly one of a certificate or a public-key hint")
    signer = (
        {"certificate": {"rawBytes": _b64(certificate_der)}}
        if certificate_der is not None
        else {"publicKey": {"hint": hint}}
    )
    return {
        **signer,
        "tlogEntries": [tlog_entry],
        "timestampVerificationData": {
            "rfc3161Timestamps": [{"signedTimestamp": _b64(t)} for t in timestamps]
        },
    }


def message_signature_bundle(
    *,
    certificate_der: bytes | None,
    tlog_entry: dict[str, Any],
    timestamps: Sequence[bytes],
    digest: bytes,
    signature: bytes,
    public_key_hint: str | None = None,
) -> dict[str, Any]:
    """The bundle v0.3 JSON document for a signature over ``SHA-256(artifact) = digest``
    (``certificate_der`` None and a ``public_key_hint`` for a managed key)."""
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": _material(certificate_der, tlog_entry, timestamps, public_key_hint),
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": _b64(digest)},
            "signature": _b64(signature),
        },
    }


def dsse_bundle(
    *,
    certificate_der: bytes | None,
    tlog_entry: dict[str, Any],
    timestamps: Sequence[bytes],
    envelope: dict[str, Any],
    public_key_hint: str | None = None,
) -> dict[str, Any]:
    """The bundle v0.3 JSON document for a DSSE envelope (``dsseEnvelope`` instead of
    ``messageSignature``; ``certificate_der`` None and a ``public_key_hint`` for a managed key)."""
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": _material(certificate_der, tlog_entry, timestamps, public_key_hint),
        "dsseEnvelope": envelope,
    }
