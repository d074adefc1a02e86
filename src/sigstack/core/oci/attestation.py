"""An attestation about a container image: its statement, and the legacy ``.att`` layer.

oci-and-policy.md §1.5 (legacy attestations), §1.7 (cosign v3: the same statement in a
Sigstore bundle, stored as a referrer).

* :func:`image_statement`: the in-toto statement v1 whose one subject is the image —
  ``{"name": "<registry/repository>", "digest": {"sha256": "<manifest hex>"}}`` — with the
  predicate type (a cosign ``--type`` short name or a URI) and the predicate.
* A legacy ``.att`` layer (:class:`LegacyAttestation`): the blob is the DSSE envelope JSON
  ``{"payloadType", "payload", "signatures": [{"keyid": "", "sig"}]}`` (media type
  ``application/vnd.dsse.envelope.v1+json``); the annotations are ``predicateType``, an
  **empty** ``dev.cosignproject.cosign/signature``, and, as on a ``.sig`` layer (§1.2), the
  PEM certificate and chain, the RekorBundle (a ``dsse``/``intoto`` entry and its SET) and
  the RFC 3161 timestamp.
* :func:`attestation_bundle` turns such a layer into the v0.1 bundle the Verifier checks
  (:meth:`~sigstack.verify.Verifier.verify_dsse`): inclusion proven by the SET alone, as
  for a ``.sig`` layer (:func:`sigstack.core.oci.legacy.legacy_bundle`). The chain
  annotation is read but not trusted: chains are built from the trusted root.

Pure: bytes and values in, values out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sigstack.core.bundle import Bundle, DsseEnvelope, DsseSignature
from sigstack.core.intoto import Statement, build_statement
from sigstack.core.oci.cosign import (
    ANNOTATION_PREDICATE_TYPE,
    ANNOTATION_SIGNATURE,
)
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.legacy import (
    LayerMaterial,
    RekorBundle,
    parse_base64,
    parse_layer_material,
)
from sigstack.errors import FormatError

__all__ = [
    "LegacyAttestation",
    "attestation_bundle",
    "envelope_json",
    "image_statement",
    "parse_attestation_layer",
    "parse_envelope",
]


def image_statement(
    name: str, image: Digest, predicate_type: str, predicate: Mapping[str, Any]
) -> Statement:
    """The statement about the image ``name`` (``registry/repository``) at ``image`` (§1.5)."""
    if image.algorithm != "sha256":
        raise FormatError(f"expected a sha256 image digest, found {image}", field="subject")
    return build_statement(name, bytes.fromhex(image.encoded), predicate_type, predicate)


def envelope_json(envelope: DsseEnvelope) -> bytes:
    """The layer blob: the envelope as cosign writes it (Go field order, ``keyid`` kept)."""
    document = {
        "payloadType": envelope.payload_type,
        "payload": base64.b64encode(envelope.payload).decode(),
        "signatures": [
            {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()} for s in envelope.signatures
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse_envelope(blob: bytes) -> DsseEnvelope:
    """A legacy ``.att`` layer blob: a DSSE envelope with exactly one signature."""
    try:
        document = json.loads(blob)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"expected a DSSE envelope, found invalid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise FormatError(f"expected a DSSE envelope object, found {type(document).__name__}")
    payload_type = document.get("payloadType")
    if not isinstance(payload_type, str) or not payload_type:
        raise FormatError(f"expected a string, found {payload_type!r:.60}", field="payloadType")
    signatures = document.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1:
        found = len(signatures) if isinstance(signatures, list) else repr(signatures)[:40]
        raise FormatError(f"expected exactly one signature, found {found}", field="signatures")
    entry = signatures[0]
    if not isinstance(entry, dict):
        raise FormatError("expected an object", field="signatures[0]")
    keyid = entry.get("keyid", "")
    if not isinstance(keyid, str):
        raise FormatError(f"expected a string, found {keyid!r:.40}", field="signatures[0].keyid")
    return DsseEnvelope(
        payload=parse_base64(document.get("payload"), "payload"),
        payload_type=payload_type,
        signatures=(DsseSignature(parse_base64(entry.get("sig"), "signatures[0].sig"), keyid),),
    )


@dataclass(frozen=True)
class LegacyAttestation:
    """One ``.att`` layer: the envelope, its predicate type and the signing material."""

    envelope: DsseEnvelope
    predicate_type: str
    certificate: bytes | None = None
    chain: tuple[bytes, ...] = ()
    rekor_bundle: RekorBundle | None = None
    timestamp: bytes | None = None

    @classmethod
    def from_bundle(cls, bundle: Bundle, predicate_type: str) -> LegacyAttestation:
        """From a DSSE bundle a signer produced with a Rekor v1 log (its SET is needed)."""
        if bundle.dsse_envelope is None or len(bundle.tlog_entries) != 1:
            raise FormatError("expected a DSSE bundle with one log entry from the signer")
        return cls(
            envelope=bundle.dsse_envelope,
            predicate_type=predicate_type,
            certificate=bundle.leaf_der,
            chain=tuple((bundle.certificate_chain or ())[1:]),
            rekor_bundle=RekorBundle.from_tlog_entry(bundle.tlog_entries[0]),
            timestamp=bundle.rfc3161_timestamps[0] if bundle.rfc3161_timestamps else None,
        )

    def blob(self) -> bytes:
        """The layer blob (:func:`envelope_json`)."""
        return envelope_json(self.envelope)

    @property
    def material(self) -> LayerMaterial:
        return LayerMaterial(self.certificate, self.chain, self.rekor_bundle, self.timestamp)

    def annotations(self) -> dict[str, str]:
        """The layer annotations (§1.5): ``predicateType``, the signature annotation written
        empty (as cosign does for attestations), and the ``.sig`` layer's certificate /
        chain / bundle / timestamp annotations."""
        return {
            ANNOTATION_PREDICATE_TYPE: self.predicate_type,
            ANNOTATION_SIGNATURE: "",
            **self.material.annotations(),
        }


def parse_attestation_layer(blob: bytes, annotations: Mapping[str, str]) -> LegacyAttestation:
    """The attestation a ``.att`` layer carries; :class:`FormatError` names the bad part."""
    envelope = parse_envelope(blob)
    signature = annotations.get(ANNOTATION_SIGNATURE, "")
    if signature and parse_base64(signature, ANNOTATION_SIGNATURE) != envelope.signatures[0].sig:
        raise FormatError(
            "expected an empty signature annotation (or the envelope's signature), found "
            "another signature",
            field=ANNOTATION_SIGNATURE,
        )
    material = parse_layer_material(annotations)
    return LegacyAttestation(
        envelope=envelope,
        predicate_type=annotations.get(ANNOTATION_PREDICATE_TYPE, ""),
        certificate=material.certificate,
        chain=material.chain,
        rekor_bundle=material.rekor_bundle,
        timestamp=material.timestamp,
    )


def attestation_bundle(attestation: LegacyAttestation) -> Bundle:
    """The v0.1 DSSE bundle the Verifier checks for this layer (module docstring).

    Without a RekorBundle there is nothing to verify offline: :class:`FormatError`.
    """
    return attestation.material.bundle("attestation", dsse_envelope=attestation.envelope)
