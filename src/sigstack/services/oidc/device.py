"""Device authorization grant (RFC 8628) endpoints: ``POST /device/code`` and ``GET|POST /device``.

A terminal without a browser asks for a device code (§3.1–3.2), shows the
user code and ``verification_uri``; the person opens that page elsewhere,
types the code and the email to sign as (§3.3); the terminal polls the token
endpoint (§3.4–3.5), handled in ``DeviceStore.poll``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.errors import FormatError
from sigstack.services._asgi import json_response, read_body
from sigstack.services.oidc.forms import FORM_LIMIT, NO_STORE, check_client, read_form
from sigstack.services.oidc.oauth import OAuthError, check_challenge, parse_form
from sigstack.services.oidc.pages import device_page, message_page
from sigstack.services.oidc.provider import Provider, normalize_email

__all__ = ["device_routes"]

log = logging.getLogger("sigstack.services.oidc")


def device_routes(provider: Provider) -> list[Route]:
    """The device authorization endpoint and the verification page."""

    async def device_code(request: Request) -> Response:
        form = await read_form(request)
        client_id = check_client(provider, form.get("client_id"))
        if "openid" not in form.get("scope", "openid").split():
            raise OAuthError("invalid_scope", "scope must include 'openid' (OIDC Core §3.1.2.1)")
        challenge = None
        if form.get("code_challenge") or form.get("code_challenge_method"):
            # cosign sends PKCE on the device flow too (ca-tsa-oidc-tuf.md §9.6).
            challenge = check_challenge(
                form.get("code_challenge"), form.get("code_challenge_method")
            )
        grant = provider.devices.start(client_id, challenge)
        shown = f"{grant.user_code[:4]}-{grant.user_code[4:]}"  # RFC 8628 §6.1: easy to read
        verification_uri = provider.url("/device")
        body = {
            "device_code": grant.device_code,
            "user_code": shown,
            "verification_uri": verification_uri,
            "verification_uri_complete": verification_uri + "?" + urlencode({"user_code": shown}),
            "expires_in": provider.devices.lifetime,
            "interval": grant.interval,
        }
        return json_response(body, headers=NO_STORE)

    async def verification(request: Request) -> Response:
        if request.method == "GET":
            return device_page(user_code=request.query_params.get("user_code", ""))
        form = parse_form(await read_body(request, FORM_LIMIT))
        user_code, email = form.get("user_code", ""), form.get("email", "")
        try:
            if form.get("action") == "deny":
                provider.devices.deny(user_code)
                return message_page("Sign-in denied", "The device will not be signed in.")
            address = normalize_email(email)
            provider.devices.approve(user_code, address)
        except OAuthError as exc:
            return device_page(user_code=user_code, email=email, error=exc.description, status=400)
        except FormatError as exc:
            return device_page(user_code=user_code, email=email, error=exc.message, status=400)
        log.info("signed in %s (device flow)", address)
        return message_page(
            "Signed in", f"Signed in as {address}. You can return to your terminal."
        )

    return [
        Route("/device/code", device_code, methods=["POST"]),
        Route("/device", verification, methods=["GET", "POST"]),
    ]
