"""HTTP helpers shared by the issuer's endpoints: form bodies, client ids, RFC 6749 §5.2 errors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sigstack.services._asgi import json_response, read_body
from sigstack.services.oidc.oauth import OAuthError, parse_form
from sigstack.services.oidc.provider import Provider

__all__ = ["FORM_LIMIT", "NO_STORE", "check_client", "oauth_error_response", "read_form"]

#: Largest form body accepted on any endpoint (bytes).
FORM_LIMIT = 16 * 1024

#: Token responses and errors must not be cached (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error_response(error: str, description: str, status: int = 400) -> Response:
    """The RFC 6749 §5.2 error body ``{"error", "error_description"}``."""
    headers = dict(NO_STORE)
    if error == "invalid_client" and status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="sigstack-oidc"'
    return json_response({"error": error, "error_description": description}, status, headers)


async def read_form(request: Request) -> dict[str, str]:
    """A bounded ``application/x-www-form-urlencoded`` body (RFC 6749 §4.1.3, RFC 8628 §3.1)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request",
            "expected Content-Type application/x-www-form-urlencoded, "
            f"found {content_type or 'none'!r}",
        )
    return parse_form(await read_body(request, FORM_LIMIT))


def check_client(provider: Provider, client_id: str | None, *, status: int = 400) -> str:
    """A client id this issuer knows (public clients: RFC 6749 §2.1), or ``invalid_client``."""
    if not client_id:
        raise OAuthError("invalid_client", "client_id is required (RFC 6749 §2.2)", status=status)
    if client_id not in provider.settings.client_ids:
        known = ", ".join(provider.settings.client_ids)
        raise OAuthError(
            "invalid_client", f"unknown client_id {client_id!r}; known: {known}", status=status
        )
    return client_id
