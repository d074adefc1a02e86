"""OpenAPI 3.0.3 description of every route the transparency log app serves.

Served at ``/openapi.json`` and fuzzed against a live server by
``tests/integration/test_api_fuzz.py`` (schemathesis): the schemas here say what
the handlers in ``rekor_v1.py``, ``rekor_v2.py`` and ``app.py`` accept and answer,
not more. Where the server is more lenient than upstream Rekor (empty search
lists, ``firstSize=0``, ``lastSize=0``) the document follows the server, so a
request the document calls invalid is one the server refuses.

Wire shapes: transparency-log.md §1.1–1.3 (Rekor v1), §2.1–2.2 and §3.3
(Rekor v2, tlog-tiles); sigstore-clients.md §5–§6 (what the clients send and parse).

>>> doc = openapi_document()
>>> doc["openapi"], sorted(doc["paths"]["/api/v1/log/entries"])
('3.0.3', ['get', 'post'])
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from sigstack.services.tlog.openapi_schemas import (
    DECIMAL,
    TILE_PATH,
    UUID,
    Schema,
    component_schemas,
    ref,
)

__all__ = ["openapi_document"]


_REASONS = {
    400: "The request is malformed",
    404: "Not found",
    409: "An equivalent entry is already in the log",
    413: "The request body is over the size limit",
    422: "The entry does not verify",
    503: "The log is behind or shutting down; retry after Retry-After seconds",
}


def _header(description: str, schema: Schema | None = None) -> Schema:
    return {"description": description, "required": True, "schema": schema or {"type": "string"}}


def _errors(*codes: int) -> dict[str, Schema]:
    responses: dict[str, Schema] = {}
    for code in codes:
        response: Schema = {
            "description": _REASONS[code],
            "content": {"application/json": {"schema": ref("Error")}},
        }
        if code == 503:
            response["headers"] = {
                "Retry-After": _header("seconds", {"type": "string", "pattern": DECIMAL})
            }
        responses[str(code)] = response
    return responses


def _json(description: str, schema: Schema, headers: dict[str, Schema] | None = None) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def _raw(description: str, media_type: str, schema: Schema, cache: bool = False) -> Schema:
    response: Schema = {"description": description, "content": {media_type: {"schema": schema}}}
    if cache:
        response["headers"] = {
            "Cache-Control": _header("max-age=1 for partial tiles, immutable otherwise")
        }
    return response


def _query(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _body(schema: Schema) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(
    operation_id: str, summary: str, tag: str, responses: dict[str, Schema], **extra: Any
) -> Schema:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
        **extra,
    }


def _paths() -> dict[str, Schema]:
    size = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "format": "int64"}
    tree_id = _query(
        "treeID", {"type": "string", "pattern": DECIMAL}, "tree ID; another tree answers 404"
    )
    location = {
        "Location": _header("/api/v1/log/entries/<EntryID>"),
        "ETag": _header("the EntryID", {"type": "string", "pattern": "^[0-9a-f]{80}$"}),
    }
    v1_created = _json(
        "Logged; the proof is against the checkpoint that covers it", ref("LogEntry"), location
    )
    v1_conflict = {
        "description": _REASONS[409],
        "headers": location,
        "content": {"application/json": {"schema": ref("Error")}},
    }
    v2_conflict = {
        "description": _REASONS[409],
        "headers": {
            "x-log-index": _header(
                "index of the existing entry", {"type": "string", "pattern": DECIMAL}
            )
        },
        "content": {"application/json": {"schema": ref("Error")}},
    }
    search = _op(
        "searchLogQuery",
        "Look entries up by UUID, index or content",
        "rekor-v1",
        {
            "200": _json(
                "Entries found (possibly none)", {"type": "array", "items": ref("LogEntry")}
            ),
            **_errors(400, 413, 422),
        },
        requestBody=_body(ref("SearchLogQuery")),
    )
    search_slash = copy.deepcopy(search)
    search_slash["operationId"] = "searchLogQuerySlash"
    search_slash["summary"] += " (trailing slash, as sigstore-python sends it)"
    return {
        "/api/v1/log": {
            "get": _op(
                "getLogInfo",
                "Current tree head",
                "rekor-v1",
                {"200": _json("The latest published checkpoint", ref("LogInfo"))},
            )
        },
        "/api/v1/log/publicKey": {
            "get": _op(
                "getPublicKey",
                "The log's public key",
                "rekor-v1",
                {
                    "200": _raw("PEM public key", "application/x-pem-file", {"type": "string"}),
                    **_errors(404),
                },
                parameters=[tree_id],
            )
        },
        "/api/v1/log/checkpoint": {
            "get": _op(
                "getCheckpointAtSize",
                "sigstack extension: the signed checkpoint published at exactly this size",
                "rekor-v1",
                {
                    "200": _raw("Signed note", "text/plain", {"type": "string"}),
                    **_errors(400, 404),
                },
                parameters=[_query("size", size, "tree size", required=True)],
            )
        },
        "/api/v1/log/proof": {
            "get": _op(
                "getLogProof",
                "Consistency proof between two tree sizes",
                "rekor-v1",
                {"200": _json("Consistency proof", ref("ConsistencyProof")), **_errors(400, 404)},
                parameters=[
                    _query("firstSize", {**size, "default": 1}, "older size (at most lastSize)"),
                    _query("lastSize", size, "newer size (at most the tree size)", required=True),
                    tree_id,
                ],
            )
        },
        "/api/v1/log/entries": {
            "post": _op(
                "createLogEntry",
                "Log an entry; answers once a signed checkpoint covers it",
                "rekor-v1",
                {"201": v1_created, "409": v1_conflict, **_errors(400, 413, 422, 503)},
                requestBody=_body(ref("ProposedEntry")),
            ),
            "get": _op(
                "getLogEntryByIndex",
                "Entry at an index",
                "rekor-v1",
                {"200": _json("The entry", ref("LogEntry")), **_errors(400, 404)},
                parameters=[_query("logIndex", size, "log index", required=True)],
            ),
        },
        "/api/v1/log/entries/retrieve": {"post": search},
        "/api/v1/log/entries/retrieve/": {"post": search_slash},
        "/api/v1/log/entries/{uuid}": {
            "get": _op(
                "getLogEntryByUUID",
                "Entry by UUID (64 hex leaf hash) or EntryID (80 hex)",
                "rekor-v1",
                {"200": _json("The entry", ref("LogEntry")), **_errors(400, 404)},
                parameters=[
                    {
                        "name": "uuid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": UUID},
                    }
                ],
            )
        },
        "/api/v1/index/retrieve": {
            "post": _op(
                "searchIndex",
                "UUIDs of entries with a digest, email, subject or public key",
                "rekor-v1",
                {
                    "200": _json(
                        "EntryIDs",
                        {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{80}$"}},
                    ),
                    **_errors(400, 413),
                },
                requestBody=_body(ref("SearchIndex")),
                deprecated=True,
            )
        },
        "/api/v2/log/entries": {
            "post": _op(
                "createEntry",
                "Log an entry (rekor-tiles CreateEntry); answers once a checkpoint covers it",
                "rekor-v2",
                {
                    "201": _json("Logged", ref("TransparencyLogEntry")),
                    "409": v2_conflict,
                    **_errors(400, 413, 422, 503),
                },
                requestBody=_body(ref("CreateEntryRequest")),
            )
        },
        "/api/v2/checkpoint": {
            "get": _op(
                "getCheckpoint",
                "The latest signed checkpoint (tlog-tiles)",
                "rekor-v2",
                {"200": _raw("Signed note", "text/plain", {"type": "string"}, cache=True)},
            )
        },
        "/api/v2/tile/{rest}": {
            "get": _op(
                "getTile",
                "A hash tile <L>/<N>[.p/<W>] or an entry bundle entries/<N>[.p/<W>] (tlog-tiles)",
                "rekor-v2",
                {
                    "200": _raw(
                        "Tile bytes (32-byte hashes) or u16-length-prefixed entries",
                        "application/octet-stream",
                        {"type": "string", "format": "binary"},
                        cache=True,
                    ),
                    **_errors(400, 404),
                },
                parameters=[
                    {
                        "name": "rest",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": TILE_PATH},
                        "description": "e.g. 0/x001/234.p/5 or entries/005 (slashes literal)",
                        "examples": {
                            "partial": {"value": "0/x001/234.p/5"},
                            "bundle": {"value": "entries/005"},
                        },
                    }
                ],
            )
        },
        "/healthz": {
            "get": _op(
                "healthz",
                "Liveness and tree sizes",
                "service",
                {"200": _json("Up", ref("Health"))},
            )
        },
        "/openapi.json": {
            "get": _op(
                "getOpenAPI",
                "This document",
                "service",
                {"200": _json("OpenAPI 3.0.3", {"type": "object"})},
            )
        },
    }


@functools.cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "sigstack transparency log",
            "version": "1.0.0",
            "description": (
                "Rekor v1 REST API, Rekor v2 (rekor-tiles) write API and C2SP tlog-tiles reads,"
                " served by one process. Errors are JSON {code, message}."
            ),
        },
        "tags": [
            {"name": "rekor-v1", "description": "Rekor v1 (sigstore/rekor openapi.yaml)"},
            {"name": "rekor-v2", "description": "Rekor v2 writes and tlog-tiles reads"},
            {"name": "service", "description": "Operations"},
        ],
        "paths": _paths(),
        "components": {"schemas": component_schemas()},
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document (built once; do not mutate the result)."""
    return _document()
