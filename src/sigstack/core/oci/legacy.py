"""A legacy cosign signature layer (``.sig`` tag) ⇄ a Sigstore bundle the Verifier checks.

oci-and-policy.md §1.2 (layer annotations), §1.3 (the ``dev.sigstore.cosign/bundle``
"RekorBundle"), §2.1 (what ``cosign verify`` checks of each layer).

A layer is the simple-signing payload (its blob) plus annotations: the base64 signature
over the payload bytes, optionally the PEM signing certificate and chain, the RekorBundle
``{"SignedEntryTimestamp", "Payload": {"body", "integratedTime", "logIndex", "logID"}}``
(capitalised outer keys: cosign's Go struct has no JSON tags there) and the RFC 3161
timestamp ``{"SignedRFC3161Timestamp": "<b64 DER>"}``.

:func:`legacy_bundle` turns one into a :class:`~sigstack.core.bundle.Bundle` that the offline
Verifier checks exactly as cosign does: a message signature over SHA-256(payload), the leaf
certificate (or a managed key), a v0.1-style tlog entry whose inclusion is proven by the SET
alone (a RekorBundle carries no inclusion proof), and the timestamp. The chain annotation is
read but not trusted: chains are built from the trusted root.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.bundle import (
    Bundle,
    DsseEnvelope,
    InclusionPromise,
    KindVersion,
    MessageSignature,
    TlogEntry,
)
from sigstack.core.oci.cosign import (
    ANNOTATION_BUNDLE,
    ANNOTATION_CERTIFICATE,
    ANNOTATION_CHAIN,
    ANNOTATION_RFC3161,
    ANNOTATION_SIGNATURE,
)
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.simple_signing import go_json
from sigstack.errors import FormatError, UnsupportedError

__all__ = [
    "LEGACY_BUNDLE_MEDIA_TYPE",
    "LayerMaterial",
    "LegacySignature",
    "RekorBundle",
    "legacy_bundle",
    "parse_base64",
    "parse_layer_material",
    "parse_rekor_bundle",
    "parse_signature_layer",
    "parse_timestamp_annotation",
    "signature_config",
    "timestamp_annotation",
]

#: The bundle version a legacy layer is verified as: v0.1, the one where a SET alone
#: proves inclusion (sigstore-clients.md §9.1).
LEGACY_BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle+json;version=0.1"


def parse_base64(text: object, where: str) -> bytes:
    """A non-empty standard base64 string as bytes; :class:`FormatError` names ``where``."""
    if not isinstance(text, str) or not text:
        raise FormatError(f"expected a non-empty base64 string, found {text!r:.60}", field=where)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"expected base64, found {text[:40]!r}: {exc}", field=where) from exc


def _int(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FormatError(f"expected a non-negative integer, found {value!r:.40}", field=where)
    return value


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise FormatError(
            f"expected a JSON object, found {text[:60]!r}: {exc}", field=where
        ) from exc
    if not isinstance(value, dict):
        raise FormatError(f"expected a JSON object, found {type(value).__name__}", field=where)
    return value


@dataclass(frozen=True)
class RekorBundle:
    """cosign's ``RekorBundle`` (§1.3): a Rekor v1 entry and its SignedEntryTimestamp."""

    signed_entry_timestamp: bytes
    body: bytes
    integrated_time: int
    log_index: int
    log_id: bytes

    @classmethod
    def from_tlog_entry(cls, entry: TlogEntry) -> RekorBundle:
        """From a bundle's Rekor v1 entry; refused without a SET (a Rekor v2 entry has none)."""
        if entry.inclusion_promise is None or not entry.integrated_time:
            raise UnsupportedError(
                "expected a Rekor v1 entry with a SignedEntryTimestamp for the legacy "
                f"{ANNOTATION_BUNDLE} annotation, found a {entry.kind_version.kind} "
                f"{entry.kind_version.version} entry without one (Rekor v2?)",
                field="tlogEntries[0].inclusionPromise",
            )
        return cls(
            entry.inclusion_promise.signed_entry_timestamp,
            entry.canonicalized_body,
            entry.integrated_time,
            entry.log_index,
            entry.log_id,
        )

    def to_json(self) -> dict[str, Any]:
        """The annotation's document, in cosign's field order."""
        return {
            "SignedEntryTimestamp": base64.b64encode(self.signed_entry_timestamp).decode(),
            "Payload": {
                "body": base64.b64encode(self.body).decode(),
                "integratedTime": self.integrated_time,
                "logIndex": self.log_index,
                "logID": self.log_id.hex(),
            },
        }

    def to_annotation(self) -> str:
        """The ``dev.sigstore.cosign/bundle`` annotation value (Go's compact JSON)."""
        return go_json(self.to_json()).decode()

    def kind_version(self) -> KindVersion:
        """``kind`` and ``apiVersion`` of the logged body (``hashedrekord`` 0.0.1 for images)."""
        try:
            body = json.loads(self.body)
            kind, version = body["kind"], body["apiVersion"]
        except (ValueError, KeyError, TypeError) as exc:
            raise FormatError(
                f"expected a Rekor entry body with kind and apiVersion: {exc}",
                field=f"{ANNOTATION_BUNDLE}.Payload.body",
            ) from exc
        if not isinstance(kind, str) or not isinstance(version, str):
            raise FormatError("expected string kind and apiVersion", field="Payload.body")
        return KindVersion(kind, version)

    def to_tlog_entry(self) -> TlogEntry:
        """The bundle entry: inclusion promised by the SET, no inclusion proof."""
        return TlogEntry(
            log_index=self.log_index,
            log_id=self.log_id,
            kind_version=self.kind_version(),
            integrated_time=self.integrated_time,
            inclusion_promise=InclusionPromise(self.signed_entry_timestamp),
            inclusion_proof=None,
            canonicalized_body=self.body,
        )


def parse_rekor_bundle(text: str) -> RekorBundle:
    """Parse the ``dev.sigstore.cosign/bundle`` annotation (§1.3)."""
    where = ANNOTATION_BUNDLE
    document = _json_object(text, where)
    payload = document.get("Payload")
    if not isinstance(payload, dict):
        raise FormatError(
            f"expected a Payload object, found {payload!r:.60}", field=f"{where}.Payload"
        )
    log_id_hex = payload.get("logID")
    try:
        log_id = bytes.fromhex(log_id_hex) if isinstance(log_id_hex, str) else b""
    except ValueError:
        log_id = b""
    if len(log_id) != 32:
        raise FormatError(
            f"expected the hex SHA-256 of the log key, found {log_id_hex!r:.80}",
            field=f"{where}.Payload.logID",
        )
    set_where = f"{where}.SignedEntryTimestamp"
    return RekorBundle(
        signed_entry_timestamp=parse_base64(document.get("SignedEntryTimestamp"), set_where),
        body=parse_base64(payload.get("body"), f"{where}.Payload.body"),
        integrated_time=_int(payload.get("integratedTime"), f"{where}.Payload.integratedTime"),
        log_index=_int(payload.get("logIndex"), f"{where}.Payload.logIndex"),
        log_id=log_id,
    )


def timestamp_annotation(response_der: bytes) -> str:
    """``{"SignedRFC3161Timestamp": "<b64 DER TimeStampResp>"}`` (§1.2)."""
    return go_json({"SignedRFC3161Timestamp": base64.b64encode(response_der).decode()}).decode()


def parse_timestamp_annotation(text: str) -> bytes:
    """The DER timestamp response of the ``dev.sigstore.cosign/rfc3161timestamp`` annotation."""
    document = _json_object(text, ANNOTATION_RFC3161)
    return parse_base64(
        document.get("SignedRFC3161Timestamp"), f"{ANNOTATION_RFC3161}.SignedRFC3161Timestamp"
    )


def _pem_certificates(text: str, where: str) -> tuple[bytes, ...]:
    try:
        certs = x509.load_pem_x509_certificates(text.encode())
    except ValueError as exc:
        raise FormatError(
            f"expected PEM certificates, found {text[:40]!r}: {exc}", field=where
        ) from exc
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in certs)


def _pem(ders: tuple[bytes, ...]) -> str:
    return "".join(
        x509.load_der_x509_certificate(d).public_bytes(serialization.Encoding.PEM).decode()
        for d in ders
    )


@dataclass(frozen=True)
class LayerMaterial:
    """What a ``.sig`` or ``.att`` layer's annotations carry besides the signature (§1.2,
    §1.5): DER certificate and chain, the RekorBundle, the RFC 3161 timestamp response."""

    certificate: bytes | None = None
    chain: tuple[bytes, ...] = ()
    rekor_bundle: RekorBundle | None = None
    timestamp: bytes | None = None

    def annotations(self) -> dict[str, str]:
        """The certificate / chain / bundle / timestamp annotations cosign writes (§1.2)."""
        out: dict[str, str] = {}
        if self.certificate is not None:
            out[ANNOTATION_CERTIFICATE] = _pem((self.certificate,))
        if self.chain:
            out[ANNOTATION_CHAIN] = _pem(self.chain)
        if self.rekor_bundle is not None:
            out[ANNOTATION_BUNDLE] = self.rekor_bundle.to_annotation()
        if self.timestamp is not None:
            out[ANNOTATION_RFC3161] = timestamp_annotation(self.timestamp)
        return out

    def bundle(
        self,
        what: str,
        *,
        message_signature: MessageSignature | None = None,
        dsse_envelope: DsseEnvelope | None = None,
    ) -> Bundle:
        """The v0.1 bundle the Verifier checks for a layer with this material: inclusion
        proven by the SET alone, the leaf certificate or (none) a managed key.

        Without a RekorBundle there is nothing to verify offline: :class:`FormatError`, as
        cosign's ``offline verification failed`` (§2.1 b); ``what`` names the layer's kind.
        """
        if self.rekor_bundle is None:
            raise FormatError(
                f"the {what} has no {ANNOTATION_BUNDLE} annotation (Rekor SET): offline "
                "verification failed, it cannot be shown to be in the transparency log",
                field=ANNOTATION_BUNDLE,
            )
        return Bundle(
            media_type=LEGACY_BUNDLE_MEDIA_TYPE,
            version="0.1",
            certificate_chain=None if self.certificate is None else (self.certificate,),
            public_key_hint=None if self.certificate is not None else "",
            tlog_entries=(self.rekor_bundle.to_tlog_entry(),),
            rfc3161_timestamps=() if self.timestamp is None else (self.timestamp,),
            message_signature=message_signature,
            dsse_envelope=dsse_envelope,
        )


def parse_layer_material(annotations: Mapping[str, str]) -> LayerMaterial:
    """The :class:`LayerMaterial` of a layer's annotations; :class:`FormatError` names the bad
    annotation. The chain is read but never trusted: chains are built from the trusted root."""
    certificate = None
    cert_text = annotations.get(ANNOTATION_CERTIFICATE)
    if cert_text:
        found = _pem_certificates(cert_text, ANNOTATION_CERTIFICATE)
        if len(found) != 1:
            raise FormatError(
                f"expected one PEM certificate, found {len(found)}", field=ANNOTATION_CERTIFICATE
            )
        certificate = found[0]
    chain_text = annotations.get(ANNOTATION_CHAIN)
    bundle_text = annotations.get(ANNOTATION_BUNDLE)
    stamp_text = annotations.get(ANNOTATION_RFC3161)
    return LayerMaterial(
        certificate=certificate,
        chain=_pem_certificates(chain_text, ANNOTATION_CHAIN) if chain_text else (),
        rekor_bundle=parse_rekor_bundle(bundle_text) if bundle_text else None,
        timestamp=parse_timestamp_annotation(stamp_text) if stamp_text else None,
    )


@dataclass(frozen=True)
class LegacySignature:
    """One ``.sig`` layer: the payload and what its annotations carry (DER certificates)."""

    payload: bytes
    signature: bytes
    certificate: bytes | None = None
    chain: tuple[bytes, ...] = ()
    rekor_bundle: RekorBundle | None = None
    timestamp: bytes | None = None

    @property
    def material(self) -> LayerMaterial:
        return LayerMaterial(self.certificate, self.chain, self.rekor_bundle, self.timestamp)

    def annotations(self) -> dict[str, str]:
        """The layer annotations cosign writes for this signature (§1.2)."""
        signature = base64.b64encode(self.signature).decode()
        return {ANNOTATION_SIGNATURE: signature, **self.material.annotations()}


def parse_signature_layer(payload: bytes, annotations: Mapping[str, str]) -> LegacySignature:
    """The signature a ``.sig`` layer carries; :class:`FormatError` names the bad annotation."""
    signature = parse_base64(annotations.get(ANNOTATION_SIGNATURE), ANNOTATION_SIGNATURE)
    material = parse_layer_material(annotations)
    return LegacySignature(
        payload=payload,
        signature=signature,
        certificate=material.certificate,
        chain=material.chain,
        rekor_bundle=material.rekor_bundle,
        timestamp=material.timestamp,
    )


_ZERO_TIME = "0001-01-01T00:00:00Z"


def signature_config(layer_digests: Sequence[Digest]) -> bytes:
    """The config blob of a ``.sig`` image, as go-containerregistry's ``mutate.Append`` on
    ``empty.Image`` writes it (§1.2): zero times, one history entry and one diff ID per
    layer. Verifiers ignore it; it only has to be a valid image config."""
    config = {
        "architecture": "",
        "created": _ZERO_TIME,
        "history": [{"created": _ZERO_TIME} for _ in layer_digests],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [str(d) for d in layer_digests]},
        "config": {},
    }
    return go_json(config)


def legacy_bundle(signature: LegacySignature) -> Bundle:
    """The bundle the Verifier checks for this layer (module docstring): a message
    signature over SHA-256(payload); :meth:`LayerMaterial.bundle` for the rest."""
    return signature.material.bundle(
        "signature",
        message_signature=MessageSignature(
            digest_algorithm="SHA2_256",
            digest=hashlib.sha256(signature.payload).digest(),
            signature=signature.signature,
        ),
    )
