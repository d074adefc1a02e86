"""HTTP API of the CT log under ``/ct/v1`` (RFC 6962 §4), JSON in and out.

Binary values are base64; errors are the JSON ``{code, message}`` of ``services/_asgi.py``
(400 malformed or refused chain, 404 unknown leaf, 413 body too large, 422 a chain whose
signatures do not link or that reaches no accepted root, 503 + Retry-After on pushback).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.errors import FormatError
from sigstack.services._asgi import json_response, read_json
from sigstack.services.ctlog.ctlog import CTLog

__all__ = ["ctlog_routes"]

_PREFIX = "/ct/v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _decode_b64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise FormatError(f"{field} must be a base64 string, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"{field} is not valid base64: {exc}") from exc


def _chain(body: Any) -> list[bytes]:
    if not isinstance(body, dict) or not isinstance(body.get("chain"), list):
        raise FormatError('expected a JSON object {"chain": ["<base64 DER>", ...]}')
    return [_decode_b64(item, f"chain[{i}]") for i, item in enumerate(body["chain"])]


def _int_param(request: Request, name: str) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        raise FormatError(f"missing query parameter {name!r}")
    if not raw.isdigit():
        raise FormatError(f"query parameter {name!r} must be a non-negative integer, got {raw!r}")
    return int(raw)


def ctlog_routes(ctlog: CTLog) -> list[Route]:
    """The RFC 6962 §4 endpoints of ``ctlog``, under ``/ct/v1``."""
    limit = ctlog.settings.max_request_bytes

    async def add_pre_chain(request: Request) -> Response:
        chain = _chain(await read_json(request, limit))
        sct = await ctlog.add_pre_chain(chain)
        return json_response(sct.to_json())

    async def add_chain(request: Request) -> Response:
        chain = _chain(await read_json(request, limit))
        sct = await ctlog.add_chain(chain)
        return json_response(sct.to_json())

    async def get_sth(request: Request) -> Response:
        return json_response(ctlog.signed_tree_head().to_json())

    async def get_sth_consistency(request: Request) -> Response:
        first, second = _int_param(request, "first"), _int_param(request, "second")
        proof = ctlog.consistency(first, second)
        return json_response({"consistency": [_b64(h) for h in proof]})

    async def get_proof_by_hash(request: Request) -> Response:
        raw = request.query_params.get("hash")
        if raw is None:
            raise FormatError("missing query parameter 'hash'")
        leaf_hash = _decode_b64(raw, "hash")
        if len(leaf_hash) != 32:
            raise FormatError(f"hash must be a 32-byte SHA-256 leaf hash, got {len(leaf_hash)}")
        index, path = ctlog.proof_by_hash(leaf_hash, _int_param(request, "tree_size"))
        return json_response({"leaf_index": index, "audit_path": [_b64(h) for h in path]})

    async def get_entries(request: Request) -> Response:
        entries = ctlog.entries(_int_param(request, "start"), _int_param(request, "end"))
        return json_response(
            {
                "entries": [
                    {"leaf_input": _b64(leaf), "extra_data": _b64(extra)} for leaf, extra in entries
                ]
            }
        )

    async def get_entry_and_proof(request: Request) -> Response:
        leaf, extra, path = ctlog.entry_and_proof(
            _int_param(request, "leaf_index"), _int_param(request, "tree_size")
        )
        return json_response(
            {
                "leaf_input": _b64(leaf),
                "extra_data": _b64(extra),
                "audit_path": [_b64(h) for h in path],
            }
        )

    async def get_roots(request: Request) -> Response:
        roots = [r.public_bytes(serialization.Encoding.DER) for r in ctlog.accepted_roots]
        return json_response({"certificates": [_b64(r) for r in roots]})

    return [
        Route(f"{_PREFIX}/add-pre-chain", add_pre_chain, methods=["POST"]),
        Route(f"{_PREFIX}/add-chain", add_chain, methods=["POST"]),
        Route(f"{_PREFIX}/get-sth", get_sth, methods=["GET"]),
        Route(f"{_PREFIX}/get-sth-consistency", get_sth_consistency, methods=["GET"]),
        Route(f"{_PREFIX}/get-proof-by-hash", get_proof_by_hash, methods=["GET"]),
        Route(f"{_PREFIX}/get-entries", get_entries, methods=["GET"]),
        Route(f"{_PREFIX}/get-roots", get_roots, methods=["GET"]),
        Route(f"{_PREFIX}/get-entry-and-proof", get_entry_and_proof, methods=["GET"]),
    ]
