"""Shared HTTP plumbing for the services: JSON errors, bounded body reads.

Every refusal is JSON ``{"code": <status>, "message": "<what was expected, what was found>"}``
(the Rekor error shape, transparency-log.md §1.1) with the right status; an
unexpected exception answers 500 with a generic message, never a stack trace.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from sigstack.errors import EntryTooLargeError, Error, FormatError, PushbackError

__all__ = ["error_response", "exception_handlers", "json_response", "read_body", "read_json"]

log = logging.getLogger("sigstack.services")


def json_response(
    content: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A compact JSON response."""
    body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, status, headers=headers, media_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The JSON error body every service answers with."""
    return json_response({"code": status, "message": message}, status, headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise EntryTooLargeError(f"request body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise EntryTooLargeError(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int) -> Any:
    """The request body parsed as JSON (400 naming the position when it is not)."""
    body = await read_body(request, limit)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"request body is not valid JSON: {exc}") from exc


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Error)
    headers: dict[str, str] = {}
    if isinstance(exc, PushbackError):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(exc.status, str(exc), headers)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("internal error serving %s %s", request.method, request.url.path)
    return error_response(500, "internal error; the server log has the details")


exception_handlers: dict[Any, Any] = {
    Error: _on_error,
    HTTPException: _on_http,
    Exception: _on_crash,
}
