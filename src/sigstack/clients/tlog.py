"""Clients of the transparency log: Rekor v1 REST API and Rekor v2 / C2SP tlog-tiles.

Synchronous HTTP (:mod:`sigstack.clients._http`), one method per endpoint
(transparency-log.md §1.1, §2.1–2.2), answers parsed into typed values. Nothing here
trusts or verifies what the log says: that is :mod:`sigstack.core.tlog.verify`, which
callers run on these values.

Every failure is a :class:`sigstack.errors.Error`: transport failures and unexpected
statuses are :class:`~sigstack.errors.NetworkError`; statuses with a meaning of their own
map to the matching error (404 → :class:`~sigstack.errors.NotFoundError`, 409 →
:class:`~sigstack.errors.DuplicateEntryError`, 413 → :class:`~sigstack.errors.EntryTooLargeError`,
503 → :class:`~sigstack.errors.PushbackError`). The message keeps the server's
``{"code", "message"}`` verbatim. A 2xx answer that does not have the documented shape is a
:class:`~sigstack.errors.FormatError` naming the JSON field.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sigstack.clients._http import (
    DEFAULT_TIMEOUT,
    Closing,
    HttpClient,
    SharedTransport,
    decode_json,
)
from sigstack.clients._tlog_wire import (
    ConsistencyProof,
    LogInfo,
    TransparencyLogEntryV2,
    from_hex,
    json_int,
    json_object,
    json_str,
    parse_log_entry_v1,
    parse_transparency_log_entry_v2,
    shape_error,
)
from sigstack.core.tlog.values import LogEntryV1
from sigstack.errors import (
    FormatError,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "ConsistencyProof",
    "LogInfo",
    "RekorV1Client",
    "RekorV2Client",
    "TransparencyLogEntryV2",
    "parse_log_entry_v1",
]


class RekorV1Client(Closing):
    """The Rekor v1 REST API (sigstore/rekor ``openapi.yaml``; transparency-log.md §1.1)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | SharedTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._http = HttpClient(base_url, transport, timeout)

    def log_info(self) -> LogInfo:
        """``GET /api/v1/log``."""
        value, _ = self._http.get_json("/api/v1/log")
        info = json_object(value, "logInfo")
        tree_id = info.get("treeID")
        if not isinstance(tree_id, str | int) or isinstance(tree_id, bool):
            raise shape_error("logInfo.treeID", "a decimal string", tree_id)
        return LogInfo(
            root_hash=from_hex(json_str(info, "rootHash", "logInfo"), "logInfo.rootHash"),
            tree_size=json_int(info, "treeSize", "logInfo"),
            signed_tree_head=json_str(info, "signedTreeHead", "logInfo"),
            tree_id=str(tree_id),
        )

    def public_key(self) -> bytes:
        """``GET /api/v1/log/publicKey``: the log key as PEM (not a trust anchor!)."""
        return self._http.request("GET", "/api/v1/log/publicKey").content

    def get_by_index(self, index: int) -> LogEntryV1:
        """``GET /api/v1/log/entries?logIndex=N``."""
        value, _ = self._http.get_json("/api/v1/log/entries", {"logIndex": index})
        return parse_log_entry_v1(value)

    def get_by_uuid(self, uuid: str) -> LogEntryV1:
        """``GET /api/v1/log/entries/{entryUUID}`` (64-hex UUID or 80-hex EntryID)."""
        if not re.fullmatch(r"[0-9a-fA-F]{64}|[0-9a-fA-F]{80}", uuid):
            raise FormatError(
                f"expected a 64-hex UUID or an 80-hex EntryID, found {uuid!r}", field="uuid"
            )
        value, _ = self._http.get_json(f"/api/v1/log/entries/{uuid}")
        return parse_log_entry_v1(value)

    def search(
        self,
        *,
        hash: str | None = None,  # the SearchIndex field name, shadowing the builtin
        email: str | None = None,
        public_key_pem: bytes | None = None,
        subject: str | None = None,
        operator: str = "or",
    ) -> list[str]:
        """``POST /api/v1/index/retrieve``: entry UUIDs matching the query.

        The index is written with the entries, but an answer is not a proof of absence.

        ``hash`` is ``"sha256:<hex>"`` (a bare 64-hex value means SHA-256).
        """
        query: dict[str, object] = {"operator": operator}
        if hash is not None:
            query["hash"] = hash
        if email is not None:
            query["email"] = email
        if subject is not None:
            query["subject"] = subject
        if public_key_pem is not None:
            query["publicKey"] = {
                "format": "x509",
                "content": base64.b64encode(public_key_pem).decode(),
            }
        if len(query) == 1:
            raise FormatError("give at least one of hash, email, subject or public key")
        response = self._http.request("POST", "/api/v1/index/retrieve", json_body=query)
        value = decode_json(response)
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            raise shape_error("searchIndex", "a list of entry UUIDs", value)
        return list(value)

    def consistency_proof(self, first_size: int, last_size: int) -> ConsistencyProof:
        """``GET /api/v1/log/proof?firstSize=&lastSize=``."""
        value, _ = self._http.get_json(
            "/api/v1/log/proof", {"firstSize": first_size, "lastSize": last_size}
        )
        proof = json_object(value, "proof")
        hashes = proof.get("hashes")
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise shape_error("proof.hashes", "a list of hex strings", hashes)
        return ConsistencyProof(
            first_size=first_size,
            last_size=last_size,
            root_hash=from_hex(json_str(proof, "rootHash", "proof"), "proof.rootHash"),
            hashes=tuple(from_hex(h, f"proof.hashes[{i}]") for i, h in enumerate(hashes)),
        )

    def checkpoint_at(self, size: int) -> str:
        """sigstack extension ``GET /api/v1/log/checkpoint?size=N``: the note signed at ``size``."""
        return self._http.get_text("/api/v1/log/checkpoint", {"size": size})

    def create_entry(self, proposed: Mapping[str, object]) -> LogEntryV1:
        """``POST /api/v1/log/entries`` with a ``ProposedEntry``; the logged entry (201)."""
        response = self._http.request("POST", "/api/v1/log/entries", json_body=dict(proposed))
        return parse_log_entry_v1(decode_json(response))


class RekorV2Client(Closing):
    """The Rekor v2 write API and C2SP tlog-tiles reads (transparency-log.md §2.1–2.2, §3.3)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | SharedTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._http = HttpClient(base_url, transport, timeout)

    def create_entry(self, request: Mapping[str, object]) -> TransparencyLogEntryV2:
        """``POST /api/v2/log/entries`` with a ``CreateEntryRequest`` (protobuf JSON)."""
        response = self._http.request("POST", "/api/v2/log/entries", json_body=dict(request))
        return parse_transparency_log_entry_v2(decode_json(response))

    def checkpoint(self) -> str:
        """``GET /api/v2/checkpoint``: the latest signed checkpoint note (unverified)."""
        return self._http.get_text("/api/v2/checkpoint")

    def tile(self, level: int, index: int, width: int = 256) -> bytes:
        """``GET /api/v2/tile/<L>/<N>[.p/<W>]``: ``width`` hashes of 32 bytes."""
        from sigstack.core.merkle.tiles import tile_path  # readers only; signers never load it

        data = self._http.request("GET", f"/api/v2/{tile_path(level, index, width)}").content
        if len(data) != 32 * width:
            raise FormatError(
                f"expected tile {level}/{index} of width {width} to be {32 * width} bytes, "
                f"found {len(data)}",
                field="tile",
            )
        return data

    def entry_bundle(self, index: int, width: int = 256) -> list[bytes]:
        """``GET /api/v2/tile/entries/<N>[.p/<W>]``, split into its u16-length-prefixed entries."""
        from sigstack.core.merkle.tiles import entries_path

        data = self._http.request("GET", f"/api/v2/{entries_path(index, width)}").content
        entries: list[bytes] = []
        offset = 0
        while offset < len(data):
            if offset + 2 > len(data):
                raise FormatError(
                    f"entry bundle {index} ends inside a length prefix at byte {offset}",
                    field="entry bundle",
                )
            size = int.from_bytes(data[offset : offset + 2], "big")
            offset += 2
            if offset + size > len(data):
                raise FormatError(
                    f"entry bundle {index}: entry {len(entries)} declares {size} bytes, "
                    f"only {len(data) - offset} remain",
                    field="entry bundle",
                )
            entries.append(data[offset : offset + size])
            offset += size
        if len(entries) != width:
            raise FormatError(
                f"expected {width} entries in bundle {index}, found {len(entries)}",
                field="entry bundle",
            )
        return entries
