"""The development OIDC issuer as an ASGI app: discovery, JWKS, authorize (code + PKCE), token.

Endpoints, relative to the issuer URL (the app works served alone or mounted,
e.g. at ``/oidc`` of the whole stack):

* ``GET /.well-known/openid-configuration`` (OIDC Discovery §4), ``GET /jwks`` (RFC 7517 §5)
* ``GET|POST /authorize``: authorization code grant (RFC 6749 §4.1) with PKCE S256 only
  (RFC 7636) and loopback or out-of-band redirects (RFC 8252 §7.3)
* ``POST /token``: ``authorization_code`` (RFC 6749 §4.1.3) and device code (RFC 8628 §3.4)
* ``POST /device/code``, ``GET|POST /device``: device authorization (RFC 8628 §3.1–3.3),
  in ``device.py``

Refusals are JSON ``{"error", "error_description"}`` (RFC 6749 §5.2), never stack traces.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sigstack.errors import Error, FormatError
from sigstack.services._asgi import json_response, read_body
from sigstack.services.oidc.device import device_routes
from sigstack.services.oidc.forms import (
    FORM_LIMIT,
    NO_STORE,
    check_client,
    oauth_error_response,
    read_form,
)
from sigstack.services.oidc.oauth import (
    OOB_REDIRECT_URI,
    OAuthError,
    check_challenge,
    check_redirect_uri,
    client_from_basic,
    parse_form,
)
from sigstack.services.oidc.pages import login_page, message_page
from sigstack.services.oidc.provider import DEVICE_GRANT_TYPE, Provider, normalize_email

__all__ = ["create_app"]

log = logging.getLogger("sigstack.services.oidc")

# The authorization request parameters carried from the login page's GET to its POST.
_AUTH_PARAMS = (
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method",
)  # fmt: skip


def _authorization_request(provider: Provider, params: Mapping[str, str]) -> dict[str, str]:
    """Check the parameters that must be right before anything is sent to the redirect URI.

    RFC 6749 §4.1.2.1: with a bad client or redirect URI the person is told, never redirected.
    """
    check_client(provider, params.get("client_id"))
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri is required (RFC 6749 §3.1.2.3)")
    check_redirect_uri(redirect_uri)
    return {k: params[k] for k in _AUTH_PARAMS if params.get(k)}


def _check_grant_request(params: Mapping[str, str]) -> None:
    """The checks whose failure is reported to the client via the redirect (RFC 6749 §4.1.2.1)."""
    if params.get("response_type") != "code":
        raise OAuthError(
            "unsupported_response_type",
            f"response_type must be 'code', found {params.get('response_type')!r}",
        )
    if "openid" not in params.get("scope", "").split():
        raise OAuthError("invalid_scope", "scope must include 'openid' (OIDC Core §3.1.2.1)")
    check_challenge(params.get("code_challenge"), params.get("code_challenge_method"))


def _redirect(params: Mapping[str, str], answer: dict[str, str]) -> Response:
    """Send the authorization response (RFC 6749 §4.1.2) or error to the client."""
    if state := params.get("state"):
        answer["state"] = state
    uri = params["redirect_uri"]
    if uri == OOB_REDIRECT_URI:
        if "code" in answer:
            return message_page(
                "Signed in", "Paste this code into your terminal:", code=answer["code"]
            )
        return message_page(
            "Sign-in failed", f"{answer['error']}: {answer['error_description']}", status=400
        )
    return RedirectResponse(uri + ("&" if "?" in uri else "?") + urlencode(answer), 303, NO_STORE)


def create_app(provider: Provider) -> Starlette:
    """The issuer's ASGI app; ``provider`` holds the keys, clock and pending grants."""

    async def discovery(request: Request) -> Response:
        return json_response(provider.discovery())

    async def jwks(request: Request) -> Response:
        return json_response(provider.jwks())

    async def authorize(request: Request) -> Response:
        if request.method == "GET":
            params: dict[str, str] = dict(request.query_params)
        else:
            params = parse_form(await read_body(request, FORM_LIMIT))
        carried = _authorization_request(provider, params)
        try:
            _check_grant_request(carried)
        except OAuthError as exc:
            return _redirect(carried, {"error": exc.error, "error_description": exc.description})
        if request.method == "GET":
            return login_page(carried)
        if params.get("action") == "deny":
            return _redirect(
                carried, {"error": "access_denied", "error_description": "sign-in cancelled"}
            )
        try:
            email = normalize_email(params.get("email", ""))
        except FormatError as exc:
            return login_page(carried, email=params.get("email", ""), error=exc.message, status=400)
        code = provider.codes.issue(
            client_id=carried["client_id"],
            redirect_uri=carried["redirect_uri"],
            code_challenge=carried["code_challenge"],
            email=email,
            nonce=carried.get("nonce"),
        )
        log.info("signed in %s for client %s (authorization code)", email, carried["client_id"])
        return _redirect(carried, {"code": code})

    async def token(request: Request) -> Response:
        form = await read_form(request)
        basic = client_from_basic(request.headers.get("authorization"))
        if basic is not None and form.get("client_id") not in (None, basic):
            raise OAuthError(
                "invalid_request", "client_id in the form differs from the Basic credentials"
            )
        client_id = check_client(
            provider, basic or form.get("client_id"), status=401 if basic else 400
        )
        grant_type = form.get("grant_type")
        body: dict[str, Any]
        if grant_type == "authorization_code":
            grant = provider.codes.redeem(
                form.get("code", ""),
                client_id=client_id,
                redirect_uri=form.get("redirect_uri"),
                code_verifier=form.get("code_verifier"),
            )
            body = provider.token_response(grant.email, client_id, grant.nonce)
        elif grant_type == DEVICE_GRANT_TYPE:
            device = provider.devices.poll(
                form.get("device_code", ""), client_id, form.get("code_verifier")
            )
            assert device.email is not None
            body = provider.token_response(device.email, client_id, None)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required (RFC 6749 §4.1.3)")
        else:
            raise OAuthError(
                "unsupported_grant_type",
                f"grant_type must be authorization_code or {DEVICE_GRANT_TYPE}, "
                f"found {grant_type!r}",
            )
        return json_response(body, headers=NO_STORE)

    routes = [
        Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route("/jwks", jwks, methods=["GET"]),
        Route("/authorize", authorize, methods=["GET", "POST"]),
        Route("/token", token, methods=["POST"]),
        *device_routes(provider),
    ]
    return Starlette(routes=routes, exception_handlers=_exception_handlers)


async def _on_oauth(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return oauth_error_response(exc.error, exc.description, exc.status)


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Error)
    return oauth_error_response("invalid_request", str(exc), exc.status)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = "not_found" if exc.status_code == 404 else "invalid_request"
    return oauth_error_response(error, str(exc.detail), exc.status_code)


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("internal error serving %s %s", request.method, request.url.path)
    return oauth_error_response(
        "server_error", "internal error; the server log has the details", 500
    )


_exception_handlers: dict[Any, Any] = {
    OAuthError: _on_oauth,
    Error: _on_error,
    HTTPException: _on_http,
    Exception: _on_crash,
}
