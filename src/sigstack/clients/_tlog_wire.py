"""Parsing the transparency log's answers into typed values (transparency-log.md §1.1, §2.1).

A 2xx answer that does not have the documented shape is a
:class:`~sigstack.errors.FormatError` naming the JSON field.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, NamedTuple

from sigstack.core.tlog.values import InclusionProof, LogEntryV1
from sigstack.errors import (
    FormatError,
)


class LogInfo(NamedTuple):
    """``GET /api/v1/log``: the latest tree head, unverified."""

    root_hash: bytes
    tree_size: int
    signed_tree_head: str
    tree_id: str


class ConsistencyProof(NamedTuple):
    """``GET /api/v1/log/proof``: hashes proving ``first_size`` ⊑ ``last_size``, unverified."""

    first_size: int
    last_size: int
    root_hash: bytes
    hashes: tuple[bytes, ...]


class TransparencyLogEntryV2(NamedTuple):
    """``POST /api/v2/log/entries``: protobuf-specs ``TransparencyLogEntry``, unverified."""

    log_index: int
    log_id: bytes
    kind: str
    version: str
    inclusion_proof: InclusionProof
    canonicalized_body: bytes


# -- JSON shape checks ---------------------------------------------------------------------


def shape_error(field: str, expected: str, found: object) -> FormatError:
    shown = repr(found)
    if len(shown) > 60:
        shown = shown[:60] + "…"
    return FormatError(f"expected {expected} in the log's answer, found {shown}", field=field)


def json_object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise shape_error(field, "an object", value)
    return value


def json_str(obj: Mapping[str, Any], key: str, field: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise shape_error(f"{field}.{key}", "a string", value)
    return value


def json_int(obj: Mapping[str, Any], key: str, field: str, *, as_string: bool = False) -> int:
    value = obj.get(key)
    if as_string and isinstance(value, str) and value.isdigit():  # protobuf JSON uint64
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise shape_error(f"{field}.{key}", "a non-negative integer", value)
    return value


def from_hex(text: str, field: str, size: int | None = 32) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise shape_error(field, "hex", text) from None
    if size is not None and len(raw) != size:
        raise shape_error(field, f"{size} bytes of hex", text)
    return raw


def from_b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise shape_error(field, "base64", text) from None


def _inclusion_proof_v1(value: object, field: str) -> InclusionProof:
    proof = json_object(value, field)
    hashes = proof.get("hashes")
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise shape_error(f"{field}.hashes", "a list of hex strings", hashes)
    return InclusionProof(
        log_index=json_int(proof, "logIndex", field),
        tree_size=json_int(proof, "treeSize", field),
        root_hash=from_hex(json_str(proof, "rootHash", field), f"{field}.rootHash"),
        hashes=tuple(from_hex(h, f"{field}.hashes[{i}]") for i, h in enumerate(hashes)),
        checkpoint=json_str(proof, "checkpoint", field),
    )


def parse_log_entry_v1(value: object) -> LogEntryV1:
    """A Rekor v1 ``LogEntry`` (``{"<entryUUID>": LogEntryAnon}``) as a :class:`LogEntryV1`."""
    entry_map = json_object(value, "entry")
    if len(entry_map) != 1:
        raise shape_error("entry", "an object with exactly one entry UUID key", list(entry_map))
    ((uuid, anon_value),) = entry_map.items()
    field = f"entry[{uuid[:12]}…]"
    anon = json_object(anon_value, field)
    proof: InclusionProof | None = None
    promise: bytes | None = None
    verification = anon.get("verification")
    if verification is not None:
        checks = json_object(verification, f"{field}.verification")
        if "inclusionProof" in checks:
            proof = _inclusion_proof_v1(
                checks["inclusionProof"], f"{field}.verification.inclusionProof"
            )
        if "signedEntryTimestamp" in checks:
            promise = from_b64(
                json_str(checks, "signedEntryTimestamp", f"{field}.verification"),
                f"{field}.verification.signedEntryTimestamp",
            )
    return LogEntryV1(
        uuid=uuid,
        body=from_b64(json_str(anon, "body", field), f"{field}.body"),
        integrated_time=json_int(anon, "integratedTime", field),
        log_id=from_hex(json_str(anon, "logID", field), f"{field}.logID"),
        log_index=json_int(anon, "logIndex", field),
        inclusion_proof=proof,
        signed_entry_timestamp=promise,
    )


def parse_transparency_log_entry_v2(value: object) -> TransparencyLogEntryV2:
    field = "entry"
    entry = json_object(value, field)
    kind_version = json_object(entry.get("kindVersion"), f"{field}.kindVersion")
    proof = json_object(entry.get("inclusionProof"), f"{field}.inclusionProof")
    pf = f"{field}.inclusionProof"
    hashes = proof.get("hashes", [])
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise shape_error(f"{pf}.hashes", "a list of base64 strings", hashes)
    envelope = json_str(json_object(proof.get("checkpoint"), f"{pf}.checkpoint"), "envelope", pf)
    return TransparencyLogEntryV2(
        log_index=json_int(entry, "logIndex", field, as_string=True),
        log_id=from_b64(
            json_str(json_object(entry.get("logId"), f"{field}.logId"), "keyId", f"{field}.logId"),
            f"{field}.logId.keyId",
        ),
        kind=json_str(kind_version, "kind", f"{field}.kindVersion"),
        version=json_str(kind_version, "version", f"{field}.kindVersion"),
        inclusion_proof=InclusionProof(
            log_index=json_int(proof, "logIndex", pf, as_string=True),
            tree_size=json_int(proof, "treeSize", pf, as_string=True),
            root_hash=from_b64(json_str(proof, "rootHash", pf), f"{pf}.rootHash"),
            hashes=tuple(from_b64(h, f"{pf}.hashes[{i}]") for i, h in enumerate(hashes)),
            checkpoint=envelope,
        ),
        canonicalized_body=from_b64(
            json_str(entry, "canonicalizedBody", field), f"{field}.canonicalizedBody"
        ),
    )


# -- HTTP ----------------------------------------------------------------------------------
