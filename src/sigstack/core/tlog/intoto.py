"""The ``intoto`` kind, v0.0.2: what sigstore-js sends with ``legacyCompatibility``.

Proposed ``spec.content {envelope {payloadType, payload, signatures[{sig, publicKey,
keyid?}]}, hash, payloadHash}``, where ``payload`` and ``sig`` are base64 of the DSSE
base64 strings (double-encoded) and ``publicKey`` is base64 of a PEM
(sigstore-clients.md §5.2; transparency-log.md §1.2).

Canonical form as Rekor's ``pkg/types/intoto/v0.0.2/entry.go: Canonicalize``: the
envelope keeps ``payloadType`` and ``signatures`` (``keyid`` only when non-empty) but
drops ``payload``; ``hash`` is the client's (Rekor cannot recompute it: clients hash
different serializations of the envelope); ``payloadHash`` is computed by the log.
Each signature must verify with its own ``publicKey`` over PAE(payloadType, payload).
"""

from __future__ import annotations

import base64
import hashlib
import re

from sigstack.core.canonical_json import canonicalize
from sigstack.core.dsse import pae
from sigstack.core.keys import load_public_key, verify_signature
from sigstack.core.tlog.common import (
    CanonicalEntry,
    JSONObject,
    decode_b64,
    describe,
    get_array,
    get_b64,
    get_object,
    get_optional_str,
    get_str,
    identity_keys,
    key_index,
    statement_keys,
)
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["parse_v002"]

_P = "spec.content"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _inner_b64(outer: bytes, field: str) -> bytes:
    """Decode the inner (DSSE) base64 of a double-encoded value."""
    try:
        text = outer.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError(
            "expected base64 of a DSSE base64 string (double-encoded), found base64 of "
            "bytes that are not base64 text",
            field=field,
        ) from exc
    return decode_b64(text, field, urlsafe_ok=True)


def _sha256_hash(content: JSONObject, name: str) -> str | None:
    """``content[name]``: ``{algorithm: sha256, value: <64 lower-case hex>}``, or ``None``."""
    if content.get(name) is None:
        return None
    where = f"{_P}.{name}"
    obj = get_object(content, name, _P)
    algorithm = get_str(obj, "algorithm", where)
    if algorithm != "sha256":
        raise UnsupportedError(
            f"expected sha256, found {describe(algorithm)}", field=f"{where}.algorithm"
        )
    value = get_str(obj, "value", where)
    if not _SHA256_HEX.fullmatch(value):
        raise FormatError(
            f"expected 64 lower-case hex digits, found {describe(value)}", field=f"{where}.value"
        )
    return value


def parse_v002(spec: JSONObject) -> CanonicalEntry:
    """Validate and verify an intoto v0.0.2 ``spec``; build its canonical entry."""
    content = get_object(spec, "content", "spec")
    envelope = get_object(content, "envelope", _P)
    path = f"{_P}.envelope"
    payload_type = get_str(envelope, "payloadType", path)
    payload = _inner_b64(get_b64(envelope, "payload", path), f"{path}.payload")
    message = pae(payload_type, payload)

    signatures: list[JSONObject] = []
    keys: set[str] = set()
    for i, item in enumerate(get_array(envelope, "signatures", path)):
        where = f"{path}.signatures[{i}]"
        if type(item) is not dict:
            raise FormatError(
                f"expected an object {{sig, publicKey, keyid}}, found {describe(item)}", field=where
            )
        sig_outer = get_b64(item, "sig", where)
        sig = _inner_b64(sig_outer, f"{where}.sig")
        pem = get_b64(item, "publicKey", where)
        key, cert = load_public_key(pem, field=f"{where}.publicKey")
        keyid = get_optional_str(item, "keyid", where)
        verify_signature(key, sig, message, field=f"{where}.sig")
        logged: JSONObject = {
            "publicKey": base64.b64encode(pem).decode(),
            "sig": base64.b64encode(sig_outer).decode(),
        }
        if keyid:
            logged["keyid"] = keyid
        signatures.append(logged)
        keys.add(key_index(key))
        if cert is not None:
            keys |= identity_keys(cert)

    envelope_hash = _sha256_hash(content, "hash")
    if envelope_hash is None:
        raise FormatError(
            "expected the envelope hash {algorithm: sha256, value: <hex>} the client computed, "
            "found nothing",
            field=f"{_P}.hash",
        )
    payload_hash = hashlib.sha256(payload).hexdigest()
    claimed = _sha256_hash(content, "payloadHash")
    if claimed is not None and claimed != payload_hash:
        raise FormatError(
            f"expected the SHA-256 of the payload, {payload_hash}, found {claimed}",
            field=f"{_P}.payloadHash.value",
        )
    keys.add(f"hash:sha256:{payload_hash}")
    keys |= statement_keys(payload_type, payload)
    body = canonicalize(
        {
            "apiVersion": "0.0.2",
            "kind": "intoto",
            "spec": {
                "content": {
                    "envelope": {"payloadType": payload_type, "signatures": signatures},
                    "hash": {"algorithm": "sha256", "value": envelope_hash},
                    "payloadHash": {"algorithm": "sha256", "value": payload_hash},
                }
            },
        }
    )
    return CanonicalEntry("intoto", "0.0.2", body, frozenset(keys))
