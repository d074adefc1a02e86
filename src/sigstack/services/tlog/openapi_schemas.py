"""Component schemas of the log's OpenAPI description (see ``openapi.py``).

Wire shapes from sigstore/rekor ``openapi.yaml`` and rekor-tiles ``rekor_service.proto``
(transparency-log.md §1.1–1.2, §2.1; sigstore-clients.md §5–§6).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

HEX64 = "^[0-9a-f]{64}$"
DECIMAL = "^[0-9]+$"
# 64, 96 or 128 lower-case hex digits: as many as the algorithm's digest has.
DIGEST_HEX = "^[0-9a-f]{64}([0-9a-f]{32}([0-9a-f]{32})?)?$"
NON_EMPTY: Schema = {"type": "string", "minLength": 1}
# Most signatures (and verifiers) one entry may carry (core.tlog.common.MAX_SIGNATURES).
MAX_SIGNATURES = 16
UUID = "^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$"
SEARCH_HASH = "^(sha256:)?[0-9a-fA-F]{64}$|^sha384:[0-9a-fA-F]{96}$|^sha512:[0-9a-fA-F]{128}$"
# tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (tlog-tiles): L in 0..63, N in 3-digit
# groups, every group but the last prefixed with "x" and no leading "x000", W in 1..255.
# Five x-groups keep N below 10^18 < 2^64.
TILE_PATH = (
    "^(entries|[0-9]|[1-5][0-9]|6[0-3])/"
    "((x00[1-9]|x0[1-9][0-9]|x[1-9][0-9]{2})/(x[0-9]{3}/){0,4})?[0-9]{3}"
    "(\\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$"
)
KEY_DETAILS = [
    "PKIX_RSA_PKCS1V15_2048_SHA256",
    "PKIX_RSA_PKCS1V15_3072_SHA256",
    "PKIX_RSA_PKCS1V15_4096_SHA256",
    "PKIX_ECDSA_P256_SHA_256",
    "PKIX_ECDSA_P384_SHA_384",
    "PKIX_ECDSA_P521_SHA_512",
    "PKIX_ED25519",
    "PKIX_ED25519_PH",
]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def b64(description: str, *, min_length: int = 1) -> Schema:
    return {
        "type": "string",
        "format": "byte",
        "minLength": min_length,
        "description": description,
    }


def hex64(description: str) -> Schema:
    return {"type": "string", "pattern": HEX64, "description": description}


def uint64_string(description: str) -> Schema:
    return {"type": "string", "pattern": DECIMAL, "description": description}


def hash_schema(algorithms: list[str], value_pattern: str) -> Schema:
    return obj(
        {
            "algorithm": {"type": "string", "enum": algorithms},
            "value": {"type": "string", "pattern": value_pattern, "description": "lower-case hex"},
        },
        ["algorithm", "value"],
    )


def kind(kind: str, version: str, spec: str, description: str) -> Schema:
    return obj(
        {
            "kind": {"type": "string", "enum": [kind]},
            "apiVersion": {"type": "string", "enum": [version]},
            "spec": ref(spec),
        },
        ["kind", "apiVersion", "spec"],
        description=description,
    )


def component_schemas() -> dict[str, Schema]:
    verifier_v2 = obj(
        {
            "publicKey": obj({"rawBytes": b64("DER SubjectPublicKeyInfo")}, ["rawBytes"]),
            "x509Certificate": obj({"rawBytes": b64("DER certificate")}, ["rawBytes"]),
            "keyDetails": {"type": "string", "enum": KEY_DETAILS},
        },
        ["keyDetails"],
        oneOf=[{"required": ["publicKey"]}, {"required": ["x509Certificate"]}],
        description="sigstore common.v1 verifier: a public key or a certificate, and its algorithm",
    )
    search_keys: dict[str, Schema] = {
        "hash": {"type": "string", "pattern": SEARCH_HASH, "nullable": True},
        "email": {"type": "string", "pattern": "@", "nullable": True},
        "subject": {"type": "string", "minLength": 1, "nullable": True},
        "publicKey": obj(
            {
                "format": {"type": "string", "enum": ["x509"], "default": "x509"},
                "content": b64("PEM public key or X.509 certificate"),
            },
            ["content"],
            nullable=True,
        ),
    }
    return {
        "Error": obj(
            {
                "code": {"type": "integer", "description": "the HTTP status"},
                "message": {"type": "string", "description": "what was expected, what was found"},
            },
            ["code", "message"],
            description="Every refusal (Rekor error shape)",
        ),
        # -- Rekor v1 requests ----------------------------------------------------------
        "HashedRekordV001Spec": obj(
            {
                "signature": obj(
                    {
                        "content": b64("signature over the artifact digest"),
                        "publicKey": obj(
                            {"content": b64("PEM public key or X.509 certificate")}, ["content"]
                        ),
                    },
                    ["content", "publicKey"],
                ),
                "data": obj(
                    {"hash": hash_schema(["sha256", "sha384", "sha512"], DIGEST_HEX)}, ["hash"]
                ),
            },
            ["signature", "data"],
        ),
        "DsseV001Spec": obj(
            {
                "proposedContent": obj(
                    {
                        "envelope": {
                            "type": "string",
                            "minLength": 1,
                            "description": "the DSSE envelope as a JSON string",
                        },
                        "verifiers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_SIGNATURES,
                            "items": b64("PEM public key or X.509 certificate"),
                        },
                    },
                    ["envelope", "verifiers"],
                )
            },
            ["proposedContent"],
        ),
        "IntotoV002Spec": obj(
            {
                "content": obj(
                    {
                        "envelope": obj(
                            {
                                "payloadType": NON_EMPTY,
                                "payload": b64("base64 of the base64 payload"),
                                "signatures": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": MAX_SIGNATURES,
                                    "items": obj(
                                        {
                                            "sig": b64("base64 of the base64 signature"),
                                            "publicKey": b64("PEM public key or certificate"),
                                            "keyid": {"type": "string"},
                                        },
                                        ["sig", "publicKey"],
                                    ),
                                },
                            },
                            ["payloadType", "payload", "signatures"],
                        ),
                        "hash": hash_schema(["sha256"], HEX64),
                        "payloadHash": hash_schema(["sha256"], HEX64),
                    },
                    ["envelope", "hash"],
                )
            },
            ["content"],
        ),
        "HashedRekordV001": kind(
            "hashedrekord", "0.0.1", "HashedRekordV001Spec", "a signature over an artifact digest"
        ),
        "DsseV001": kind("dsse", "0.0.1", "DsseV001Spec", "a DSSE envelope (not stored)"),
        "IntotoV002": kind("intoto", "0.0.2", "IntotoV002Spec", "an in-toto DSSE envelope"),
        "ProposedEntry": {
            "oneOf": [ref("HashedRekordV001"), ref("DsseV001"), ref("IntotoV002")],
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
        "SearchLogQuery": obj(
            {
                "entryUUIDs": {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "string", "pattern": UUID},
                },
                "logIndexes": {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "integer", "minimum": 0},
                },
                "entries": {"type": "array", "maxItems": 10, "items": ref("ProposedEntry")},
            },
            description="Entries to look up; unknown UUIDs and indexes are left out of the answer",
        ),
        # JSON null counts as absent, as for Rekor's Go models: the keys are nullable, and
        # at least one of them must be present and not null.
        "SearchIndex": obj(
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
        "InclusionProof": obj(
            {
                "checkpoint": {"type": "string", "description": "signed note of the tree"},
                "hashes": {"type": "array", "items": hex64("audit path, leaf to root")},
                "logIndex": {"type": "integer", "minimum": 0},
                "rootHash": hex64("root of the checkpoint's tree"),
                "treeSize": {"type": "integer", "minimum": 1},
            },
            ["checkpoint", "hashes", "logIndex", "rootHash", "treeSize"],
        ),
        "LogEntryAnon": obj(
            {
                "body": b64("canonicalized entry JSON"),
                "integratedTime": {"type": "integer", "minimum": 0},
                "logID": hex64("SHA-256 of the log's DER public key"),
                "logIndex": {"type": "integer", "minimum": 0},
                "attestation": obj({"data": b64("stored attestation")}),
                "verification": obj(
                    {
                        "inclusionProof": ref("InclusionProof"),
                        "signedEntryTimestamp": b64("DER signature (SET)"),
                    },
                    ["inclusionProof", "signedEntryTimestamp"],
                ),
            },
            ["body", "integratedTime", "logID", "logIndex", "verification"],
        ),
        "LogEntry": {
            "type": "object",
            "additionalProperties": ref("LogEntryAnon"),
            "minProperties": 1,
            "maxProperties": 1,
            "description": "{EntryID (80 hex: tree ID and leaf hash): entry}",
        },
        "LogInfo": obj(
            {
                "rootHash": hex64("root hash"),
                "treeSize": {"type": "integer", "minimum": 0},
                "signedTreeHead": {"type": "string", "description": "signed checkpoint note"},
                "treeID": uint64_string("tree ID in decimal"),
                "inactiveShards": {"type": "array", "items": ref("InactiveShardLogInfo")},
            },
            ["rootHash", "treeSize", "signedTreeHead", "treeID"],
        ),
        "InactiveShardLogInfo": obj(
            {
                "rootHash": hex64("root hash"),
                "treeSize": {"type": "integer", "minimum": 0},
                "signedTreeHead": {"type": "string"},
                "treeID": uint64_string("tree ID in decimal"),
            },
            ["rootHash", "treeSize", "signedTreeHead", "treeID"],
        ),
        "ConsistencyProof": obj(
            {
                "rootHash": hex64("root of the tree at lastSize"),
                "hashes": {"type": "array", "items": hex64("proof hash")},
            },
            ["rootHash", "hashes"],
        ),
        # -- Rekor v2 ---------------------------------------------------------------------
        "VerifierV2": verifier_v2,
        "HashedRekordRequestV002": obj(
            {
                "digest": b64("artifact digest (or SHA-256 of the DSSE PAE)"),
                "signature": obj(
                    {"content": b64("signature over digest"), "verifier": ref("VerifierV2")},
                    ["content", "verifier"],
                ),
            },
            ["digest", "signature"],
        ),
        "DsseRequestV002": obj(
            {
                "envelope": obj(
                    {
                        "payload": b64("payload", min_length=0),
                        "payloadType": NON_EMPTY,
                        "signatures": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_SIGNATURES,
                            "items": obj(
                                {"sig": b64("signature over PAE"), "keyid": {"type": "string"}},
                                ["sig"],
                            ),
                        },
                    },
                    ["payload", "payloadType", "signatures"],
                ),
                "verifiers": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_SIGNATURES,
                    "items": ref("VerifierV2"),
                },
            },
            ["envelope", "verifiers"],
            deprecated=True,
        ),
        "CreateEntryRequest": {
            "oneOf": [
                obj(
                    {"hashedRekordRequestV002": ref("HashedRekordRequestV002")},
                    ["hashedRekordRequestV002"],
                ),
                obj({"dsseRequestV002": ref("DsseRequestV002")}, ["dsseRequestV002"]),
            ],
            "description": "rekor-tiles CreateEntryRequest (protobuf JSON, one of)",
        },
        "TransparencyLogEntry": obj(
            {
                "logIndex": uint64_string("uint64 as a string"),
                "logId": obj(
                    {"keyId": b64("32-byte checkpoint key ID")},
                    ["keyId"],
                    additionalProperties=False,
                ),
                "kindVersion": obj(
                    {
                        "kind": {"type": "string", "enum": ["hashedrekord", "dsse"]},
                        "version": {"type": "string", "enum": ["0.0.2"]},
                    },
                    ["kind", "version"],
                    additionalProperties=False,
                ),
                "inclusionProof": obj(
                    {
                        "logIndex": uint64_string("uint64 as a string"),
                        "rootHash": b64("root hash"),
                        "treeSize": uint64_string("uint64 as a string"),
                        "hashes": {"type": "array", "items": b64("audit path, leaf to root")},
                        "checkpoint": obj(
                            {"envelope": {"type": "string", "description": "signed note"}},
                            ["envelope"],
                            additionalProperties=False,
                        ),
                    },
                    ["logIndex", "rootHash", "treeSize", "hashes", "checkpoint"],
                    additionalProperties=False,
                ),
                "canonicalizedBody": b64("canonicalized entry JSON"),
            },
            ["logIndex", "logId", "kindVersion", "inclusionProof", "canonicalizedBody"],
            additionalProperties=False,
            description=(
                "protobuf-specs TransparencyLogEntry in protobuf JSON; no integratedTime or"
                " inclusionPromise, and no other keys (sigstore-python rejects unknown keys)"
            ),
        ),
        "Health": obj(
            {
                "status": {"type": "string", "enum": ["ok"]},
                "rekorV1TreeSize": {"type": "integer", "minimum": 0},
                "rekorV2TreeSize": {"type": "integer", "minimum": 0},
            },
            ["status", "rekorV1TreeSize", "rekorV2TreeSize"],
        ),
    }
