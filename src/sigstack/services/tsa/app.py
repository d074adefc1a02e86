"""The timestamp authority's HTTP API (sigstore/timestamp-authority ``openapi.yaml``).

* ``POST /api/v1/timestamp``: body a DER ``TimeStampReq`` (``application/timestamp-query``,
  RFC 3161 §3.4) or the sigstore JSON form (``application/json``); answers the DER
  ``TimeStampResp`` as ``application/timestamp-reply``.
* ``GET /api/v1/timestamp/certchain``: the chain as PEM, leaf first.
* ``GET /healthz`` and ``GET /ping``.

Bad requests answer 400 JSON ``{code, message}`` with the reason, as the Go TSA
does; a media type that is neither answers 415.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.core.tsp import parse_json_request, parse_request
from sigstack.core.tsp.request import MAX_JSON_BYTES
from sigstack.errors import FormatError
from sigstack.services._asgi import error_response, exception_handlers, json_response, read_body
from sigstack.services.tsa.authority import TimestampAuthority

__all__ = ["MAX_QUERY_BYTES", "create_app"]

#: DER requests are ~100 bytes; anything much larger is not a timestamp query.
MAX_QUERY_BYTES = 4096

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
CHAIN = "application/pem-certificate-chain"


def create_app(authority: TimestampAuthority) -> Starlette:
    """The ASGI app serving ``authority``."""
    chain_pem = authority.chain_pem()

    async def timestamp(request: Request) -> Response:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media == QUERY:
            parsed = parse_request(await read_body(request, MAX_QUERY_BYTES))
        elif media == "application/json":
            body = await read_body(request, MAX_JSON_BYTES)
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise FormatError(f"request body is not valid JSON: {exc}") from exc
            parsed = parse_json_request(document)
        else:
            return error_response(
                415,
                f"Content-Type must be {QUERY} (DER TimeStampReq) or application/json, "
                f"found {media or 'none'!r}",
            )
        return Response(authority.timestamp(parsed), 200, media_type=REPLY)

    async def certchain(request: Request) -> Response:
        return Response(chain_pem, 200, media_type=CHAIN)

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def ping(request: Request) -> Response:
        return Response(b"pong", 200, media_type="text/plain")

    routes = [
        Route("/api/v1/timestamp", timestamp, methods=["POST"]),
        Route("/api/v1/timestamp/certchain", certchain, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/ping", ping, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers=exception_handlers)
