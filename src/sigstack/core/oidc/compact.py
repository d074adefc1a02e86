"""Compact JWS serialization, read without verifying (RFC 7515 §7.1, RFC 7519 §7.2 steps 1–8).

The pieces both token readers share: :mod:`sigstack.core.oidc.identity_token` (the client's
sanity check, which must not import PyJWT: docs/benchmarks.md) and
:mod:`sigstack.core.oidc.tokens` (the CA's verification). Standard library only; pure.
Every refusal is an :class:`~sigstack.errors.AuthenticationError` saying what was expected
and what was found.
"""

from __future__ import annotations

import json
from typing import Any

from sigstack.errors import AuthenticationError

__all__ = ["MAX_TOKEN_LENGTH", "json_object", "split_compact"]

#: The longest token read at all, in characters (a bound on the work, not a JOSE rule).
MAX_TOKEN_LENGTH = 64 * 1024


def split_compact(token: str) -> list[str]:
    """The three dot-separated parts of a compact JWT (header, claims, signature)."""
    if not isinstance(token, str) or not token:
        raise AuthenticationError("malformed token: expected a compact JWT, found nothing")
    if len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationError(
            f"malformed token: {len(token)} characters, more than the {MAX_TOKEN_LENGTH} allowed"
        )
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthenticationError(
            f"malformed token: expected a compact JWT of 3 dot-separated parts, found {len(parts)}"
        )
    return parts


def json_object(raw: bytes, what: str, *, be: str = "is") -> dict[str, Any]:
    """``raw`` (a decoded header or claims segment) as a JSON object, strictly (RFC 8259).

    ``what`` names the segment in the message and ``be`` is its verb ("is" or "are").
    ``NaN`` and ``Infinity`` are refused: they are not JSON.
    """
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AuthenticationError(f"malformed token: {what} {be} not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise AuthenticationError(
            f"malformed token: {what} must be a JSON object, found {type(value).__name__}"
        )
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
