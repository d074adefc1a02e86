"""Rekor v1 REST API over a :class:`TransparencyLog` (sigstore/rekor ``openapi.yaml``).

Shapes follow what sigstore-python and sigstore-js parse (sigstore-clients.md §5):
``logID``, ``rootHash`` and proof ``hashes`` in hex, ``body`` and
``signedEntryTimestamp`` in base64; responses keyed by the 80-hex EntryID
(treeID ‖ leaf hash, transparency-log.md §1.3); the proof's ``logIndex``,
``treeSize`` and ``rootHash`` are those of the checkpoint sent with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.core.keys import load_public_key, spki_der
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.errors import DuplicateEntryError, FormatError, NotFoundError
from sigstack.services._asgi import error_response, json_response, read_body, read_json
from sigstack.services.tlog.log import TransparencyLog
from sigstack.services.tlog.publisher import Published
from sigstack.services.tlog.storage import StoredEntry
from sigstack.services.tlog.validator import EntryValidator

__all__ = ["rekor_v1_routes"]

# Used with fullmatch: "$" would also accept a trailing newline.
_UUID = re.compile(r"(?:[0-9a-fA-F]{16})?[0-9a-fA-F]{64}")
_HASH_QUERY = re.compile(
    r"(sha256:)?[0-9a-fA-F]{64}|sha384:[0-9a-fA-F]{96}|sha512:[0-9a-fA-F]{128}"
)
# ASCII digits only (str.isdigit() accepts "²", which int() refuses), at most int64.
_UINT = re.compile(r"[0-9]{1,19}", re.ASCII)
_MAX_INT = 2**63 - 1
_MAX_QUERY_ITEMS = 10


def _int_param(request: Request, name: str, default: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise FormatError("required query parameter is missing", field=name)
        return default
    if not _UINT.fullmatch(raw) or int(raw) > _MAX_INT:
        raise FormatError(f"expected an integer in 0..2^63-1, found {raw[:40]!r}", field=name)
    return int(raw)


class RekorV1:
    """Request handlers for one Rekor v1 log."""

    def __init__(self, log: TransparencyLog, validator: EntryValidator) -> None:
        self.log = log
        self.validator = validator
        tree_id = log.identity.tree_id
        assert tree_id is not None
        self.tree_id = tree_id
        self.tree_prefix = f"{tree_id:016x}"

    # -- rendering ----------------------------------------------------------------------

    def entry_id(self, leaf_hash: bytes) -> str:
        """The 80-hex EntryID: tree ID ‖ leaf hash (rekor ``pkg/sharding``)."""
        return self.tree_prefix + leaf_hash.hex()

    def render_entry(
        self, entry: StoredEntry, published: Published | None = None
    ) -> dict[str, Any]:
        """``{EntryID: LogEntryAnon}`` with an inclusion proof against ``published``."""
        published = published or self.log.published
        proof = self.log.inclusion_proof(entry.index, published)
        anon = {
            "body": base64.b64encode(entry.body).decode(),
            "integratedTime": entry.integrated_time,
            "logID": self.log.identity.log_id.hex(),
            "logIndex": entry.index,
            "verification": {
                "inclusionProof": {
                    "checkpoint": published.note,
                    "hashes": [h.hex() for h in proof],
                    "logIndex": entry.index,
                    "rootHash": published.checkpoint.root_hash.hex(),
                    "treeSize": published.size,
                },
                "signedEntryTimestamp": base64.b64encode(entry.inclusion_promise).decode(),
            },
        }
        return {self.entry_id(entry.leaf_hash): anon}

    def _by_uuid(self, uuid: str) -> StoredEntry:
        if not _UUID.fullmatch(uuid):
            raise FormatError(
                f"expected a 64-hex UUID or an 80-hex EntryID, found {uuid!r}", field="entryUUID"
            )
        if len(uuid) == 80:
            if uuid[:16].lower() != self.tree_prefix:
                raise NotFoundError(
                    f"entry {uuid} belongs to tree {uuid[:16]};"
                    f" this log serves tree {self.tree_prefix}"
                )
            uuid = uuid[16:]
        index = self.log.find(bytes.fromhex(uuid))
        if index is None:
            raise NotFoundError(f"no entry with UUID {uuid} in the log")
        return self.log.entry(index)

    # -- handlers -----------------------------------------------------------------------

    async def log_info(self, request: Request) -> Response:
        published = self.log.published
        return json_response(
            {
                "rootHash": published.checkpoint.root_hash.hex(),
                "treeSize": published.size,
                "signedTreeHead": published.note,
                "treeID": str(self.tree_id),
                "inactiveShards": [],
            }
        )

    async def checkpoint_at(self, request: Request) -> Response:
        """sigstack extension: the signed checkpoint published at exactly ``size``.

        Lets a client that remembers only a size check consistency against a
        root the log signed; the client verifies the signature itself.
        """
        size = _int_param(request, "size")
        if size > self.log.published.size:
            raise NotFoundError(
                f"size {size} is beyond the published size {self.log.published.size}"
            )
        note = self.log.storage.checkpoint_at(size)
        if note is None:
            raise NotFoundError(f"no checkpoint was published at size {size}")
        return Response(note, media_type="text/plain; charset=utf-8")

    async def public_key(self, request: Request) -> Response:
        tree = request.query_params.get("treeID")
        if tree is not None and tree != str(self.tree_id):
            raise NotFoundError(f"this log serves tree {self.tree_id}, not {tree}")
        return Response(self.log.identity.public_key_pem, media_type="application/x-pem-file")

    async def proof(self, request: Request) -> Response:
        tree = request.query_params.get("treeID")
        if tree is not None and tree != str(self.tree_id):
            raise NotFoundError(f"this log serves tree {self.tree_id}, not {tree}")
        last = _int_param(request, "lastSize")
        first = _int_param(request, "firstSize", 1)
        if first > last:
            raise FormatError(
                f"firstSize ({first}) must not be larger than lastSize ({last})", field="firstSize"
            )
        hashes = self.log.consistency_proof(first, last)
        return json_response(
            {"rootHash": self.log.root_at(last).hex(), "hashes": [h.hex() for h in hashes]}
        )

    async def create(self, request: Request) -> Response:
        body = await read_body(request, self.log.settings.max_entry_bytes_v1)
        entry = await self.validator.validate(1, body)
        try:
            ack = await self.log.add(entry)
        except DuplicateEntryError as dup:
            uuid = self.entry_id(dup.leaf_hash)
            return error_response(
                409,
                f"an equivalent entry already exists in the log with UUID {uuid}"
                f" at index {dup.index}",
                {"Location": f"/api/v1/log/entries/{uuid}", "ETag": uuid},
            )
        uuid = self.entry_id(ack.entry.leaf_hash)
        return json_response(
            self.render_entry(ack.entry, ack.published),
            201,
            {"Location": f"/api/v1/log/entries/{uuid}", "ETag": uuid},
        )

    async def entries(self, request: Request) -> Response:
        """One route for both methods, so that a 405 here lists both in ``Allow``."""
        if request.method == "POST":
            return await self.create(request)
        return await self.get_by_index(request)

    async def get_by_index(self, request: Request) -> Response:
        index = _int_param(request, "logIndex")
        return json_response(self.render_entry(self.log.entry(index)))

    async def get_by_uuid(self, request: Request) -> Response:
        return json_response(self.render_entry(self._by_uuid(request.path_params["uuid"])))

    async def retrieve(self, request: Request) -> Response:
        query = await read_json(request, self.log.settings.max_entry_bytes_v1 * _MAX_QUERY_ITEMS)
        if not isinstance(query, dict):
            raise FormatError("expected a SearchLogQuery object", field="body")
        results: list[dict[str, Any]] = []
        for field in ("entryUUIDs", "logIndexes", "entries"):
            items = query.get(field, [])
            if not isinstance(items, list) or len(items) > _MAX_QUERY_ITEMS:
                raise FormatError(
                    f"expected a list of at most {_MAX_QUERY_ITEMS} items", field=field
                )
        for uuid in query.get("entryUUIDs", []):
            if not isinstance(uuid, str):
                raise FormatError(f"expected a string, found {uuid!r}", field="entryUUIDs")
            try:
                results.append(self.render_entry(self._by_uuid(uuid)))
            except NotFoundError:
                continue
        for index in query.get("logIndexes", []):
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise FormatError(
                    f"expected a non-negative integer, found {index!r}", field="logIndexes"
                )
            if index < self.log.published.size:
                results.append(self.render_entry(self.log.entry(index)))
        for i, proposed in enumerate(query.get("entries", [])):
            try:
                entry = await self.validator.validate(1, json.dumps(proposed).encode())
            except FormatError as exc:
                raise FormatError(exc.message, field=f"entries[{i}].{exc.field or ''}") from exc
            found = self.log.find(leaf_hash(entry.body))
            if found is not None:
                results.append(self.render_entry(self.log.entry(found)))
        return json_response(results)

    async def search_index(self, request: Request) -> Response:
        query = await read_json(request, self.log.settings.max_entry_bytes_v1)
        if not isinstance(query, dict):
            raise FormatError("expected a SearchIndex object", field="body")
        keys = search_keys(query)
        if not keys:
            raise FormatError(
                "give at least one of hash, email, subject or publicKey", field="body"
            )
        operator = query.get("operator", "or")
        if operator not in ("and", "or"):
            raise FormatError(f"expected 'and' or 'or', found {operator!r}", field="operator")
        indexes = self.log.storage.search(
            keys, match_all=operator == "and", limit=self.log.settings.search_limit
        )
        size = self.log.published.size
        leaves = [
            e.leaf_hash
            for i in indexes
            if i < size
            for e in self.log.storage.read_entries(i, i + 1)
        ]
        return json_response([self.entry_id(h) for h in leaves])


def search_keys(query: dict[str, Any]) -> list[str]:
    """Index keys for a Rekor ``SearchIndex`` query (the keys ``core.tlog`` writes)."""
    keys: list[str] = []
    digest = query.get("hash")
    if digest is not None:
        if not isinstance(digest, str) or not _HASH_QUERY.fullmatch(digest):
            raise FormatError(
                f"expected 'sha256:<64 hex>' (or sha384/sha512), found {digest!r}", field="hash"
            )
        keys.append("hash:" + (digest if ":" in digest else "sha256:" + digest).lower())
    email = query.get("email")
    if email is not None:
        if not isinstance(email, str) or "@" not in email:
            raise FormatError(f"expected an email address, found {email!r}", field="email")
        keys.append("email:" + email.lower())
    subject = query.get("subject")
    if subject is not None:
        if not isinstance(subject, str) or not subject:
            raise FormatError("expected a non-empty string", field="subject")
        keys.append("subject:" + subject)
    public_key = query.get("publicKey")
    if public_key is not None:
        if not isinstance(public_key, dict):
            raise FormatError("expected {format, content}", field="publicKey")
        fmt = public_key.get("format", "x509")
        if fmt != "x509":
            raise FormatError(
                f"only the x509 format is supported, found {fmt!r}", field="publicKey.format"
            )
        content = public_key.get("content")
        if not isinstance(content, str):
            raise FormatError(
                "expected base64 of a PEM public key or certificate", field="publicKey.content"
            )
        try:
            raw = base64.b64decode(content, validate=True)
        except ValueError as exc:
            raise FormatError(f"not valid base64: {exc}", field="publicKey.content") from exc
        key, _ = load_public_key(raw, field="publicKey.content")
        keys.append("key:" + hashlib.sha256(spki_der(key)).hexdigest())
    return keys


def rekor_v1_routes(log: TransparencyLog, validator: EntryValidator) -> list[Route]:
    """Routes of the Rekor v1 API at the root paths."""
    api = RekorV1(log, validator)
    return [
        Route("/api/v1/log", api.log_info, methods=["GET"]),
        Route("/api/v1/log/publicKey", api.public_key, methods=["GET"]),
        Route("/api/v1/log/checkpoint", api.checkpoint_at, methods=["GET"]),
        Route("/api/v1/log/proof", api.proof, methods=["GET"]),
        Route("/api/v1/log/entries", api.entries, methods=["GET", "POST"]),
        Route("/api/v1/log/entries/retrieve", api.retrieve, methods=["POST"]),
        Route("/api/v1/log/entries/retrieve/", api.retrieve, methods=["POST"]),
        Route("/api/v1/log/entries/{uuid}", api.get_by_uuid, methods=["GET"]),
        Route("/api/v1/index/retrieve", api.search_index, methods=["POST"]),
    ]
