"""Rekor v2 write API and C2SP tlog-tiles reads over a :class:`TransparencyLog`.

- ``POST /api/v2/log/entries`` (rekor-tiles ``rekor_service.proto`` CreateEntry) answers
  201 with a protobuf-JSON ``TransparencyLogEntry``: uint64 as strings, hashes in
  base64, no ``integratedTime``/``inclusionPromise`` (sigstore-clients.md §6.3);
  409 with ``x-log-index`` on a duplicate (rekor-tiles #621).
- ``GET /api/v2/checkpoint``, ``/api/v2/tile/<L>/<N>[.p/<W>]``,
  ``/api/v2/tile/entries/<N>[.p/<W>]`` per https://c2sp.org/tlog-tiles: full tiles
  are immutable and served with a one-year cache lifetime.
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.core.merkle.tiles import TILE_WIDTH, parse_tile_path
from sigstack.errors import DuplicateEntryError
from sigstack.services._asgi import error_response, json_response, read_body
from sigstack.services.tlog.log import Acknowledgement, TransparencyLog
from sigstack.services.tlog.validator import EntryValidator

__all__ = ["rekor_v2_routes", "render_transparency_log_entry"]

_IMMUTABLE = "public, max-age=31536000, immutable"
_SHORT = "public, max-age=1"


def render_transparency_log_entry(
    log: TransparencyLog, ack: Acknowledgement, kind: str, version: str
) -> dict[str, Any]:
    """protobuf-specs ``dev.sigstore.rekor.v1.TransparencyLogEntry`` in canonical protobuf JSON."""
    published = ack.published
    proof = log.inclusion_proof(ack.entry.index, published)
    return {
        "logIndex": str(ack.entry.index),
        "logId": {"keyId": base64.b64encode(log.identity.log_id).decode()},
        "kindVersion": {"kind": kind, "version": version},
        "inclusionProof": {
            "logIndex": str(ack.entry.index),
            "rootHash": base64.b64encode(published.checkpoint.root_hash).decode(),
            "treeSize": str(published.size),
            "hashes": [base64.b64encode(h).decode() for h in proof],
            "checkpoint": {"envelope": published.note},
        },
        "canonicalizedBody": base64.b64encode(ack.entry.body).decode(),
    }


def rekor_v2_routes(log: TransparencyLog, validator: EntryValidator) -> list[Route]:
    """Routes of the Rekor v2 API and its tile reads, under ``/api/v2``."""

    async def create(request: Request) -> Response:
        body = await read_body(request, log.settings.max_entry_bytes_v2)
        entry = await validator.validate(2, body)
        try:
            ack = await log.add(entry)
        except DuplicateEntryError as dup:
            return error_response(
                409,
                f"an equivalent entry already exists in the log at index {dup.index}",
                {"x-log-index": str(dup.index)},
            )
        return json_response(
            render_transparency_log_entry(log, ack, entry.kind, entry.api_version), 201
        )

    async def checkpoint(request: Request) -> Response:
        return Response(
            log.published.note,
            media_type="text/plain; charset=utf-8",
            headers={"Cache-Control": _SHORT},
        )

    async def tile(request: Request) -> Response:
        level, index, width = parse_tile_path(request.path_params["rest"])
        if level is None:
            bodies = log.entry_bundle(index, width)
            data = b"".join(len(b).to_bytes(2, "big") + b for b in bodies)
        else:
            data = log.tile(level, index, width)
        cache = _IMMUTABLE if width == TILE_WIDTH else _SHORT
        return Response(
            data, media_type="application/octet-stream", headers={"Cache-Control": cache}
        )

    return [
        Route("/api/v2/log/entries", create, methods=["POST"]),
        Route("/api/v2/checkpoint", checkpoint, methods=["GET"]),
        Route("/api/v2/tile/{rest:path}", tile, methods=["GET"]),
    ]
