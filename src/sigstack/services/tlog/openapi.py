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

__all__ = ["openapi_document"]

_Schema = dict[str, Any]

_HEX64 = "^[0-9a-f]{64}$"
_DECIMAL = "^[0-9]+$"
# 64, 96 or 128 lower-case hex digits: as many as the algorithm's digest has.
_DIGEST_HEX = "^[0-9a-f]{64}([0-9a-f]{32}([0-9a-f]{32})?)?$"
_NON_EMPTY: _Schema = {"type": "string", "minLength": 1}
# Most signatures (and verifiers) one entry may carry (core.tlog.common.MAX_SIGNATURES).
_MAX_SIGNATURES = 16
_UUID = "^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$"
_SEARCH_HASH = "^(sha256:)?[0-9a-fA-F]{64}$|^sha384:[0-9a-fA-F]{96}$|^sha512:[0-9a-fA-F]{128}$"
# tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (tlog-tiles): L in 0..63, N in 3-digit
# groups, every group but the last prefixed with "x" and no leading "x000", W in 1..255.
# Five x-groups keep N below 10^18 < 2^64.
_TILE_PATH = (
    "^(entries|[0-9]|[1-5][0-9]|6[0-3])/"
    "((x00[1-9]|x0[1-9][0-9]|x[1-9][0-9]{2})/(x[0-9]{3}/){0,4})?[0-9]{3}"
    "(\\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$"
)
_KEY_DETAILS = [
    "PKIX_RSA_PKCS1V15_2048_SHA256",
    "PKIX_RSA_PKCS1V15_3072_SHA256",
    "PKIX_RSA_PKCS1V15_4096_SHA256",
    "PKIX_ECDSA_P256_SHA_256",
    "PKIX_ECDSA_P384_SHA_384",
    "PKIX_ECDSA_P521_SHA_512",
    "PKIX_ED25519",
    "PKIX_ED25519_PH",
]


def _ref(name: str) -> _Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(
    properties: dict[str, _Schema], required: list[str] | None = None, **extra: Any
) -> _Schema:
    schema: _Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def _b64(description: str, *, min_length: int = 1) -> _Schema:
    return {
        "type": "string",
        "format": "byte",
        "minLength": min_length,
        "description": description,
    }


def _hex64(description: str) -> _Schema:
    return {"type": "string", "pattern": _HEX64, "description": description}


def _uint64_string(description: str) -> _Schema:
    return {"type": "string", "pattern": _DECIMAL, "description": description}


def _hash(algorithms: list[str], value_pattern: str) -> _Schema:
    return _obj(
        {
            "algorithm": {"type": "string", "enum": algorithms},
            "value": {"type": "string", "pattern": value_pattern, "description": "lower-case hex"},
        },
        ["algorithm", "value"],
    )


def _kind(kind: str, version: str, spec: str, description: str) -> _Schema:
    return _obj(
        {
            "kind": {"type": "string", "enum": [kind]},
            "apiVersion": {"type": "string", "enum": [version]},
            "spec": _ref(spec),
        },
        ["kind", "apiVersion", "spec"],
        description=description,
    )


def _schemas() -> dict[str, _Schema]:
    verifier_v2 = _obj(
        {
            "publicKey": _obj({"rawBytes": _b64("DER SubjectPublicKeyInfo")}, ["rawBytes"]),
            "x509Certificate": _obj({"rawBytes": _b64("DER certificate")}, ["rawBytes"]),
            "keyDetails": {"type": "string", "enum": _KEY_DETAILS},
        },
        ["keyDetails"],
        oneOf=[{"required": ["publicKey"]}, {"required": ["x509Certificate"]}],
        description="sigstore common.v1 verifier: a public key or a certificate, and its algorithm",
    )
    search_keys: dict[str, _Schema] = {
        "hash": {"type": "string", "pattern": _SEARCH_HASH, "nullable": True},
        "email": {"type": "string", "pattern": "@", "nullable": True},
        "subject": {"type": "string", "minLength": 1, "nullable": True},
        "publicKey": _obj(
            {
                "format": {"type": "string", "enum": ["x509"], "default": "x509"},
                "content": _b64("PEM public key or X.509 certificate"),
            },
            ["content"],
            nullable=True,
        ),
    }
    return {
        "Error": _obj(
            {
                "code": {"type": "integer", "description": "the HTTP status"},
                "message": {"type": "string", "description": "what was expected, what was found"},
            },
            ["code", "message"],
            description="Every refusal (Rekor error shape)",
        ),
        # -- Rekor v1 requests ----------------------------------------------------------
        "HashedRekordV001Spec": _obj(
            {
                "signature": _obj(
                    {
                        "content": _b64("signature over the artifact digest"),
                        "publicKey": _obj(
                            {"content": _b64("PEM public key or X.509 certificate")}, ["content"]
                        ),
                    },
                    ["content", "publicKey"],
                ),
                "data": _obj(
                    {"hash": _hash(["sha256", "sha384", "sha512"], _DIGEST_HEX)}, ["hash"]
                ),
            },
            ["signature", "data"],
        ),
        "DsseV001Spec": _obj(
            {
                "proposedContent": _obj(
                    {
                        "envelope": {
                            "type": "string",
                            "minLength": 1,
                            "description": "the DSSE envelope as a JSON string",
                        },
                        "verifiers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": _MAX_SIGNATURES,
                            "items": _b64("PEM public key or X.509 certificate"),
                        },
                    },
                    ["envelope", "verifiers"],
                )
            },
            ["proposedContent"],
        ),
        "IntotoV002Spec": _obj(
            {
                "content": _obj(
                    {
                        "envelope": _obj(
                            {
                                "payloadType": _NON_EMPTY,
                                "payload": _b64("base64 of the base64 payload"),
                                "signatures": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": _MAX_SIGNATURES,
                                    "items": _obj(
                                        {
                                            "sig": _b64("base64 of the base64 signature"),
                                            "publicKey": _b64("PEM public key or certificate"),
                                            "keyid": {"type": "string"},
                                        },
                                        ["sig", "publicKey"],
                                    ),
                                },
                            },
                            ["payloadType", "payload", "signatures"],
                        ),
                        "hash": _hash(["sha256"], _HEX64),
                        "payloadHash": _hash(["sha256"], _HEX64),
                    },
                    ["envelope", "hash"],
                )
            },
            ["content"],
        ),
        "HashedRekordV001": _kind(
            "hashedrekord", "0.0.1", "HashedRekordV001Spec", "a signature over an artifact digest"
        ),
        "DsseV001": _kind("dsse", "0.0.1", "DsseV001Spec", "a DSSE envelope (not stored)"),
        "IntotoV002": _kind("intoto", "0.0.2", "IntotoV002Spec", "an in-toto DSSE envelope"),
        "ProposedEntry": {
            "oneOf": [_ref("HashedRekordV001"), _ref("DsseV001"), _ref("IntotoV002")],
            "discriminator": {
                "propertyName": "kind",
                "mapping": {
                    "hashedrekord": "#/components/schemas/HashedRekordV001",
                    "dsse": "#/components/schemas/DsseV001",
                    "intoto": "#/components/schemas/IntotoV002",
                },
            },
            "description": "Rekor v1 createLogEntry body",
        },
        "SearchLogQuery": _obj(
            {
                "entryUUIDs": {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "string", "pattern": _UUID},
                },
                "logIndexes": {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "integer", "minimum": 0},
                },
                "entries": {"type": "array", "maxItems": 10, "items": _ref("ProposedEntry")},
            },
            description="Entries to look up; unknown UUIDs and indexes are left out of the answer",
        ),
        # JSON null counts as absent, as for Rekor's Go models: the keys are nullable, and
        # at least one of them must be present and not null.
        "SearchIndex": _obj(
            {
                **search_keys,
                "operator": {"type": "string", "enum": ["and", "or"], "default": "or"},
            },
            anyOf=[
                {"required": [name], "properties": {name: {"type": schema["type"]}}}
                for name, schema in search_keys.items()
            ],
            deprecated=True,
            description="Index search (experimental in Rekor): at least one key",
        ),
        # -- Rekor v1 responses ---------------------------------------------------------
        "InclusionProof": _obj(
            {
                "checkpoint": {"type": "string", "description": "signed note of the tree"},
                "hashes": {"type": "array", "items": _hex64("audit path, leaf to root")},
                "logIndex": {"type": "integer", "minimum": 0},
                "rootHash": _hex64("root of the checkpoint's tree"),
                "treeSize": {"type": "integer", "minimum": 1},
            },
            ["checkpoint", "hashes", "logIndex", "rootHash", "treeSize"],
        ),
        "LogEntryAnon": _obj(
            {
                "body": _b64("canonicalized entry JSON"),
                "integratedTime": {"type": "integer", "minimum": 0},
                "logID": _hex64("SHA-256 of the log's DER public key"),
                "logIndex": {"type": "integer", "minimum": 0},
                "attestation": _obj({"data": _b64("stored attestation")}),
                "verification": _obj(
                    {
                        "inclusionProof": _ref("InclusionProof"),
                        "signedEntryTimestamp": _b64("DER signature (SET)"),
                    },
                    ["inclusionProof", "signedEntryTimestamp"],
                ),
            },
            ["body", "integratedTime", "logID", "logIndex", "verification"],
        ),
        "LogEntry": {
            "type": "object",
            "additionalProperties": _ref("LogEntryAnon"),
            "minProperties": 1,
            "maxProperties": 1,
            "description": "{EntryID (80 hex: tree ID and leaf hash): entry}",
        },
        "LogInfo": _obj(
            {
                "rootHash": _hex64("root hash"),
                "treeSize": {"type": "integer", "minimum": 0},
                "signedTreeHead": {"type": "string", "description": "signed checkpoint note"},
                "treeID": _uint64_string("tree ID in decimal"),
                "inactiveShards": {"type": "array", "items": _ref("InactiveShardLogInfo")},
            },
            ["rootHash", "treeSize", "signedTreeHead", "treeID"],
        ),
        "InactiveShardLogInfo": _obj(
            {
                "rootHash": _hex64("root hash"),
                "treeSize": {"type": "integer", "minimum": 0},
                "signedTreeHead": {"type": "string"},
                "treeID": _uint64_string("tree ID in decimal"),
            },
            ["rootHash", "treeSize", "signedTreeHead", "treeID"],
        ),
        "ConsistencyProof": _obj(
            {
                "rootHash": _hex64("root of the tree at lastSize"),
                "hashes": {"type": "array", "items": _hex64("proof hash")},
            },
            ["rootHash", "hashes"],
        ),
        # -- Rekor v2 ---------------------------------------------------------------------
        "VerifierV2": verifier_v2,
        "HashedRekordRequestV002": _obj(
            {
                "digest": _b64("artifact digest (or SHA-256 of the DSSE PAE)"),
                "signature": _obj(
                    {"content": _b64("signature over digest"), "verifier": _ref("VerifierV2")},
                    ["content", "verifier"],
                ),
            },
            ["digest", "signature"],
        ),
        "DsseRequestV002": _obj(
            {
                "envelope": _obj(
                    {
                        "payload": _b64("payload", min_length=0),
                        "payloadType": _NON_EMPTY,
                        "signatures": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": _MAX_SIGNATURES,
                            "items": _obj(
                                {"sig": _b64("signature over PAE"), "keyid": {"type": "string"}},
                                ["sig"],
                            ),
                        },
                    },
                    ["payload", "payloadType", "signatures"],
                ),
                "verifiers": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": _MAX_SIGNATURES,
                    "items": _ref("VerifierV2"),
                },
            },
            ["envelope", "verifiers"],
            deprecated=True,
        ),
        "CreateEntryRequest": {
            "oneOf": [
                _obj(
                    {"hashedRekordRequestV002": _ref("HashedRekordRequestV002")},
                    ["hashedRekordRequestV002"],
                ),
                _obj({"dsseRequestV002": _ref("DsseRequestV002")}, ["dsseRequestV002"]),
            ],
            "description": "rekor-tiles CreateEntryRequest (protobuf JSON, one of)",
        },
        "TransparencyLogEntry": _obj(
            {
                "logIndex": _uint64_string("uint64 as a string"),
                "logId": _obj(
                    {"keyId": _b64("32-byte checkpoint key ID")},
                    ["keyId"],
                    additionalProperties=False,
                ),
                "kindVersion": _obj(
                    {
                        "kind": {"type": "string", "enum": ["hashedrekord", "dsse"]},
                        "version": {"type": "string", "enum": ["0.0.2"]},
                    },
                    ["kind", "version"],
                    additionalProperties=False,
                ),
                "inclusionProof": _obj(
                    {
                        "logIndex": _uint64_string("uint64 as a string"),
                        "rootHash": _b64("root hash"),
                        "treeSize": _uint64_string("uint64 as a string"),
                        "hashes": {"type": "array", "items": _b64("audit path, leaf to root")},
                        "checkpoint": _obj(
                            {"envelope": {"type": "string", "description": "signed note"}},
                            ["envelope"],
                            additionalProperties=False,
                        ),
                    },
                    ["logIndex", "rootHash", "treeSize", "hashes", "checkpoint"],
                    additionalProperties=False,
                ),
                "canonicalizedBody": _b64("canonicalized entry JSON"),
            },
            ["logIndex", "logId", "kindVersion", "inclusionProof", "canonicalizedBody"],
            additionalProperties=False,
            description=(
                "protobuf-specs TransparencyLogEntry in protobuf JSON; no integratedTime or"
                " inclusionPromise, and no other keys (sigstore-python rejects unknown keys)"
            ),
        ),
        "Health": _obj(
            {
                "status": {"type": "string", "enum": ["ok"]},
                "rekorV1TreeSize": {"type": "integer", "minimum": 0},
                "rekorV2TreeSize": {"type": "integer", "minimum": 0},
            },
            ["status", "rekorV1TreeSize", "rekorV2TreeSize"],
        ),
    }


_REASONS = {
    400: "The request is malformed",
    404: "Not found",
    409: "An equivalent entry is already in the log",
    413: "The request body is over the size limit",
    422: "The entry does not verify",
    503: "The log is behind or shutting down; retry after Retry-After seconds",
}


def _header(description: str, schema: _Schema | None = None) -> _Schema:
    return {"description": description, "required": True, "schema": schema or {"type": "string"}}


def _errors(*codes: int) -> dict[str, _Schema]:
    responses: dict[str, _Schema] = {}
    for code in codes:
        response: _Schema = {
            "description": _REASONS[code],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        if code == 503:
            response["headers"] = {
                "Retry-After": _header("seconds", {"type": "string", "pattern": _DECIMAL})
            }
        responses[str(code)] = response
    return responses


def _json(description: str, schema: _Schema, headers: dict[str, _Schema] | None = None) -> _Schema:
    response: _Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def _raw(description: str, media_type: str, schema: _Schema, cache: bool = False) -> _Schema:
    response: _Schema = {"description": description, "content": {media_type: {"schema": schema}}}
    if cache:
        response["headers"] = {
            "Cache-Control": _header("max-age=1 for partial tiles, immutable otherwise")
        }
    return response


def _query(name: str, schema: _Schema, description: str, *, required: bool = False) -> _Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _body(schema: _Schema) -> _Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(
    operation_id: str, summary: str, tag: str, responses: dict[str, _Schema], **extra: Any
) -> _Schema:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
        **extra,
    }


def _paths() -> dict[str, _Schema]:
    size = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "format": "int64"}
    tree_id = _query(
        "treeID", {"type": "string", "pattern": _DECIMAL}, "tree ID; another tree answers 404"
    )
    location = {
        "Location": _header("/api/v1/log/entries/<EntryID>"),
        "ETag": _header("the EntryID", {"type": "string", "pattern": "^[0-9a-f]{80}$"}),
    }
    v1_created = _json(
        "Logged; the proof is against the checkpoint that covers it", _ref("LogEntry"), location
    )
    v1_conflict = {
        "description": _REASONS[409],
        "headers": location,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    v2_conflict = {
        "description": _REASONS[409],
        "headers": {
            "x-log-index": _header(
                "index of the existing entry", {"type": "string", "pattern": _DECIMAL}
            )
        },
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    search = _op(
        "searchLogQuery",
        "Look entries up by UUID, index or content",
        "rekor-v1",
        {
            "200": _json(
                "Entries found (possibly none)", {"type": "array", "items": _ref("LogEntry")}
            ),
            **_errors(400, 413, 422),
        },
        requestBody=_body(_ref("SearchLogQuery")),
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
                {"200": _json("The latest published checkpoint", _ref("LogInfo"))},
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
                {"200": _json("Consistency proof", _ref("ConsistencyProof")), **_errors(400, 404)},
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
                requestBody=_body(_ref("ProposedEntry")),
            ),
            "get": _op(
                "getLogEntryByIndex",
                "Entry at an index",
                "rekor-v1",
                {"200": _json("The entry", _ref("LogEntry")), **_errors(400, 404)},
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
                {"200": _json("The entry", _ref("LogEntry")), **_errors(400, 404)},
                parameters=[
                    {
                        "name": "uuid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": _UUID},
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
                requestBody=_body(_ref("SearchIndex")),
                deprecated=True,
            )
        },
        "/api/v2/log/entries": {
            "post": _op(
                "createEntry",
                "Log an entry (rekor-tiles CreateEntry); answers once a checkpoint covers it",
                "rekor-v2",
                {
                    "201": _json("Logged", _ref("TransparencyLogEntry")),
                    "409": v2_conflict,
                    **_errors(400, 413, 422, 503),
                },
                requestBody=_body(_ref("CreateEntryRequest")),
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
                        "schema": {"type": "string", "pattern": _TILE_PATH},
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
                {"200": _json("Up", _ref("Health"))},
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
        "components": {"schemas": _schemas()},
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document (built once; do not mutate the result)."""
    return _document()
