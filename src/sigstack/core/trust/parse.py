"""Parse a TrustedRoot JSON document into :mod:`sigstack.core.trust.model` values (§2.3).

The inverse of ``TrustedRoot.to_json``. Strict where verification depends on it: every
``validFor`` needs ``start`` (a missing start is a malformed trust root, not an unbounded
one), times are RFC 3339 with an explicit offset, bytes are base64. ``publicKey`` without
``rawBytes`` (allowed by protobuf-specs for retired keys) is rejected too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sigstack.core.trust.model import (
    CertificateAuthority,
    TransparencyLogInstance,
    TrustedRoot,
    ValidFor,
)
from sigstack.errors import FormatError

__all__ = ["parse_trusted_root"]

#: TrustedRoot media types accepted for reading (v0.1 and the v0.2 form).
_MEDIA_TYPES = (
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
)


def _obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError("expected a JSON object", field=field)
    return value


def _b64(value: object, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise FormatError("expected non-empty base64", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"invalid base64: {exc}", field=field) from None


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise FormatError("expected an RFC 3339 time", field=field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(f"expected an RFC 3339 time, found {value[:40]!r}", field=field) from None
    if moment.tzinfo is None:
        raise FormatError(f"time {value!r} has no UTC offset", field=field)
    return moment


def _valid_for(value: object, field: str) -> ValidFor:
    obj = _obj(value, field)
    if "start" not in obj:
        raise FormatError("validFor has no start", field=f"{field}.start")
    end = _time(obj["end"], f"{field}.end") if obj.get("end") is not None else None
    return ValidFor(_time(obj["start"], f"{field}.start"), end)


def _tlog(value: object, field: str) -> TransparencyLogInstance:
    obj = _obj(value, field)
    key = _obj(obj.get("publicKey"), f"{field}.publicKey")
    checkpoint_key = obj.get("checkpointKeyId")
    return TransparencyLogInstance(
        base_url=str(obj.get("baseUrl", "")),
        public_key_der=_b64(key.get("rawBytes"), f"{field}.publicKey.rawBytes"),
        key_details=str(key.get("keyDetails", "")),
        valid_for=_valid_for(key.get("validFor"), f"{field}.publicKey.validFor"),
        log_id=_b64(_obj(obj.get("logId"), f"{field}.logId").get("keyId"), f"{field}.logId"),
        checkpoint_key_id=(
            _b64(_obj(checkpoint_key, field).get("keyId"), f"{field}.checkpointKeyId")
            if checkpoint_key is not None
            else None
        ),
        operator=obj.get("operator"),
        hash_algorithm=str(obj.get("hashAlgorithm", "SHA2_256")),
    )


def _authority(value: object, field: str) -> CertificateAuthority:
    obj = _obj(value, field)
    subject = _obj(obj.get("subject", {}), f"{field}.subject")
    certs = _obj(obj.get("certChain"), f"{field}.certChain").get("certificates")
    if not isinstance(certs, list) or not certs:
        raise FormatError("expected a non-empty list", field=f"{field}.certChain.certificates")
    return CertificateAuthority(
        organization=str(subject.get("organization", "")),
        common_name=str(subject.get("commonName", "")),
        uri=obj.get("uri"),
        chain_der=tuple(
            _b64(_obj(c, f"{field}.cert").get("rawBytes"), f"{field}.certChain[{i}]")
            for i, c in enumerate(certs)
        ),
        valid_for=_valid_for(obj.get("validFor"), f"{field}.validFor"),
        operator=obj.get("operator"),
    )


def _list(doc: Mapping[str, Any], key: str, *, required: bool) -> list[Any]:
    if key not in doc and not required:
        return []
    value = doc.get(key)
    if not isinstance(value, list):
        raise FormatError("expected a list", field=key)
    return value


def parse_trusted_root(data: bytes | str) -> TrustedRoot:
    """Parse a TrustedRoot document; raise :class:`FormatError` naming the field."""
    try:
        doc = _obj(json.loads(data), "trustedRoot")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"trusted root is not JSON: {exc}", field="trustedRoot") from None
    if doc.get("mediaType") not in _MEDIA_TYPES:
        raise FormatError(f"unknown media type {doc.get('mediaType')!r}", field="mediaType")
    return TrustedRoot(
        tlogs=tuple(
            _tlog(t, f"tlogs[{i}]") for i, t in enumerate(_list(doc, "tlogs", required=True))
        ),
        certificate_authorities=tuple(
            _authority(c, f"certificateAuthorities[{i}]")
            for i, c in enumerate(_list(doc, "certificateAuthorities", required=True))
        ),
        ctlogs=tuple(
            _tlog(t, f"ctlogs[{i}]") for i, t in enumerate(_list(doc, "ctlogs", required=True))
        ),
        timestamp_authorities=tuple(
            _authority(c, f"timestampAuthorities[{i}]")
            for i, c in enumerate(_list(doc, "timestampAuthorities", required=False))
        ),
    )
