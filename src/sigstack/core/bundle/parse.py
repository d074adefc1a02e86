"""Parse a Sigstore bundle JSON document strictly (sigstore-clients.md §9.1).

Accepted media types: v0.1, v0.2, v0.3 (``application/vnd.dev.sigstore.bundle.v0.3+json``)
and the new form ``application/vnd.dev.sigstore.bundle+json;version=0.3``. Anything else —
unknown version, malformed JSON or base64, negative or non-integer numbers, a missing
required field — raises :class:`~sigstack.errors.FormatError` naming the field.

Structural rules (§9.1): v0.3 carries ``certificate`` (never ``x509CertificateChain``);
v0.1/0.2 carry a non-empty ``x509CertificateChain``; ``publicKey`` is allowed in every
version; exactly one of ``messageSignature`` / ``dsseEnvelope``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

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
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["MEDIA_TYPES", "parse_bundle"]

MEDIA_TYPES: dict[str, str] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1": "0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2": "0.2",
    "application/vnd.dev.sigstore.bundle.v0.3+json": "0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.3": "0.3",
}
_B64 = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")
_INT = re.compile(r"^-?[0-9]+$")
_A2B = binascii.a2b_base64


def _obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected a JSON object, found {type(value).__name__}", field=field)
    return value


def _get(obj: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in obj:
        raise FormatError("required field is missing", field=f"{field}.{key}")
    return obj[key]


def _str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"expected a string, found {type(value).__name__}", field=field)
    return value


def _b64(value: object, field: str, *, allow_empty: bool = False) -> bytes:
    # Fast path: canonical padded standard base64 (what every client writes). Strict mode
    # accepts only the standard alphabet with correct padding, a subset of what the rules
    # below accept, decoded to the same bytes; anything else takes the full path.
    if type(value) is str and value and not value.endswith("==="):
        try:
            return _A2B(value, strict_mode=True)
        except ValueError:  # binascii.Error, or non-ASCII text
            pass
    text = _str(value, field).replace("\n", "")  # PEM-style wrapped base64 is accepted
    if not _B64.match(text) or (not text and not allow_empty):
        raise FormatError("expected non-empty base64", field=field)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"invalid base64: {exc}", field=field) from None


def _uint(value: object, field: str) -> int:
    """protobuf-JSON int64: a JSON number or a decimal string; negative is rejected."""
    if type(value) is int and value >= 0:  # bool's type is not int
        return value
    if type(value) is str and value.isascii() and value.isdigit():  # protobuf JSON's form
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FormatError(f"expected an integer, found {type(value).__name__}", field=field)
    if isinstance(value, str) and not _INT.match(value):
        raise FormatError(f"expected a decimal integer, found {value[:20]!r}", field=field)
    number = int(value)
    if number < 0:
        raise FormatError(f"expected a non-negative integer, found {number}", field=field)
    return number


def _proof(obj: Mapping[str, Any], field: str) -> InclusionProof:
    hashes = _get(obj, "hashes", field) if "hashes" in obj else []
    if not isinstance(hashes, list):
        raise FormatError("expected a list", field=f"{field}.hashes")
    checkpoint = None
    if "checkpoint" in obj:  # required by the verifier (§9.1), not by the format
        cp = _obj(obj["checkpoint"], f"{field}.checkpoint")
        checkpoint = Checkpoint(_str(_get(cp, "envelope", field), f"{field}.checkpoint.envelope"))
    return InclusionProof(
        # proto3 JSON omits a zero int64: sigstore-js writes no logIndex for entry 0
        log_index=_uint(obj.get("logIndex", 0), f"{field}.logIndex"),
        root_hash=_b64(_get(obj, "rootHash", field), f"{field}.rootHash"),
        tree_size=_uint(_get(obj, "treeSize", field), f"{field}.treeSize"),
        hashes=tuple(_b64(h, f"{field}.hashes[{i}]") for i, h in enumerate(hashes)),
        checkpoint=checkpoint,
    )


def _entry(value: object, field: str) -> TlogEntry:
    obj = _obj(value, field)
    kv = _obj(_get(obj, "kindVersion", field), f"{field}.kindVersion")
    promise = None
    if "inclusionPromise" in obj:
        p = _obj(obj["inclusionPromise"], f"{field}.inclusionPromise")
        promise = InclusionPromise(
            _b64(_get(p, "signedEntryTimestamp", field), f"{field}.inclusionPromise.sig")
        )
    proof = None
    if "inclusionProof" in obj:
        proof = _proof(_obj(obj["inclusionProof"], f"{field}.inclusionProof"), f"{field}.proof")
    log_id = _obj(_get(obj, "logId", field), f"{field}.logId")
    return TlogEntry(
        log_index=_uint(obj.get("logIndex", 0), f"{field}.logIndex"),  # proto3: 0 is omitted
        log_id=_b64(_get(log_id, "keyId", field), f"{field}.logId.keyId"),
        kind_version=KindVersion(
            _str(_get(kv, "kind", field), f"{field}.kindVersion.kind"),
            _str(_get(kv, "version", field), f"{field}.kindVersion.version"),
        ),
        integrated_time=_uint(obj.get("integratedTime", 0), f"{field}.integratedTime"),
        inclusion_promise=promise,
        inclusion_proof=proof,
        canonicalized_body=_b64(_get(obj, "canonicalizedBody", field), f"{field}.body"),
    )


def _material(vm: Mapping[str, Any], version: str) -> tuple[tuple[bytes, ...] | None, str | None]:
    field = "verificationMaterial"
    present = [k for k in ("certificate", "x509CertificateChain", "publicKey") if k in vm]
    if len(present) != 1:
        raise FormatError(
            "expected exactly one of certificate, x509CertificateChain, publicKey; "
            f"found {present or 'none'}",
            field=field,
        )
    if "publicKey" in vm:
        pk = _obj(vm["publicKey"], f"{field}.publicKey")
        return None, _str(pk.get("hint", ""), f"{field}.publicKey.hint")
    if "certificate" in vm:
        if version != "0.3":
            raise FormatError(f"certificate needs bundle v0.3, found v{version}", field=field)
        cert = _obj(vm["certificate"], f"{field}.certificate")
        return (_b64(_get(cert, "rawBytes", field), f"{field}.certificate.rawBytes"),), None
    if version == "0.3":
        raise FormatError("v0.3 bundles carry certificate, not x509CertificateChain", field=field)
    chain = _obj(vm["x509CertificateChain"], f"{field}.x509CertificateChain")
    certs = chain.get("certificates", [])
    if not isinstance(certs, list) or not certs:
        raise FormatError("expected a non-empty certificate chain", field=f"{field}.certificates")
    return tuple(
        _b64(_get(_obj(c, f"{field}.certificates[{i}]"), "rawBytes", field), f"{field}[{i}]")
        for i, c in enumerate(certs)
    ), None


def _content(doc: Mapping[str, Any]) -> tuple[MessageSignature | None, DsseEnvelope | None]:
    if ("messageSignature" in doc) == ("dsseEnvelope" in doc):
        raise FormatError("expected exactly one of messageSignature, dsseEnvelope", field="content")
    if "messageSignature" in doc:
        ms = _obj(doc["messageSignature"], "messageSignature")
        algorithm = digest = None
        if "messageDigest" in ms:
            md = _obj(ms["messageDigest"], "messageSignature.messageDigest")
            algorithm = _str(_get(md, "algorithm", "messageDigest"), "messageDigest.algorithm")
            digest = _b64(_get(md, "digest", "messageDigest"), "messageDigest.digest")
        sig = _b64(_get(ms, "signature", "messageSignature"), "messageSignature.signature")
        return MessageSignature(algorithm, digest, sig), None
    env = _obj(doc["dsseEnvelope"], "dsseEnvelope")
    sigs = _get(env, "signatures", "dsseEnvelope")
    if not isinstance(sigs, list):
        raise FormatError("expected a list", field="dsseEnvelope.signatures")
    return None, DsseEnvelope(
        payload=_b64(_get(env, "payload", "dsseEnvelope"), "dsseEnvelope.payload"),
        payload_type=_str(_get(env, "payloadType", "dsseEnvelope"), "dsseEnvelope.payloadType"),
        signatures=tuple(
            DsseSignature(
                _b64(_get(_obj(s, "sig"), "sig", "dsseEnvelope"), f"dsseEnvelope.sig[{i}]"),
                _str(s.get("keyid", ""), f"dsseEnvelope.signatures[{i}].keyid"),
            )
            for i, s in enumerate(sigs)
        ),
    )


def parse_bundle(data: bytes | str) -> Bundle:
    """Parse a bundle document; raise :class:`FormatError` (with ``field``) on any defect."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"bundle is not valid JSON: {exc}", field="bundle") from None
    doc = _obj(doc, "bundle")
    media_type = _str(_get(doc, "mediaType", "bundle"), "mediaType")
    version = MEDIA_TYPES.get(media_type)
    if version is None:
        raise UnsupportedError(f"unknown bundle media type {media_type[:80]!r}", field="mediaType")
    vm = _obj(_get(doc, "verificationMaterial", "bundle"), "verificationMaterial")
    chain, hint = _material(vm, version)
    entries = vm.get("tlogEntries", [])
    if not isinstance(entries, list):
        raise FormatError("expected a list", field="verificationMaterial.tlogEntries")
    tsd = _obj(vm.get("timestampVerificationData", {}), "timestampVerificationData")
    stamps = tsd.get("rfc3161Timestamps", [])
    if not isinstance(stamps, list):
        raise FormatError("expected a list", field="rfc3161Timestamps")
    message, envelope = _content(doc)
    return Bundle(
        media_type=media_type,
        version=version,
        certificate_chain=chain,
        public_key_hint=hint,
        tlog_entries=tuple(_entry(e, f"tlogEntries[{i}]") for i, e in enumerate(entries)),
        rfc3161_timestamps=tuple(
            _b64(_get(_obj(s, "ts"), "signedTimestamp", "ts"), f"rfc3161Timestamps[{i}]")
            for i, s in enumerate(stamps)
        ),
        message_signature=message,
        dsse_envelope=envelope,
    )
