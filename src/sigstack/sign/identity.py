"""Obtaining an identity token to sign with, as sigstore-python does (sigstore-clients.md §8.1).

After an explicit token (``--identity-token``, ``$SIGSTORE_IDENTITY_TOKEN``; the
CLI's business), :func:`get_identity_token` tries, in order:

1. **ambient CI credentials**, through the ``id`` package's
   ``detect_credential(audience=client_id)``: GitHub Actions
   (``ACTIONS_ID_TOKEN_REQUEST_URL``/``_TOKEN``), Google Cloud, Buildkite,
   GitLab (``SIGSTORE_ID_TOKEN``), CircleCI — unless ``ambient=False``;
2. **the browser**: OAuth 2.0 authorization code with PKCE S256 (RFC 6749 §4.1,
   RFC 7636), the issuer redirecting to a one-shot loopback listener at
   ``http://127.0.0.1:<random port>/auth/callback`` (RFC 8252 §7.3), ``state``
   and ``nonce`` checked; the URL is printed as well as opened;
3. **the device flow** (RFC 8628) instead, when ``force_device`` is set or no
   browser could be opened, provided the issuer advertises a
   ``device_authorization_endpoint``; otherwise a clear refusal.

Whatever the source, the token is sanity-checked before use
(:func:`~sigstack.core.oidc.identity_token.check_identity_token`): not expired,
``aud`` containing the client id.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx
import id as ambient_id

from sigstack.clients.oidc import OIDCClient
from sigstack.clock import utc_now
from sigstack.core.oidc.authorization import DEFAULT_SCOPE, AuthorizationRequest
from sigstack.core.oidc.discovery import ProviderMetadata
from sigstack.core.oidc.identity_token import (
    DEFAULT_CLIENT_ID,
    check_identity_token,
    token_from_response,
)
from sigstack.core.oidc.pkce import Pkce
from sigstack.errors import AuthenticationError

__all__ = [
    "CALLBACK_PATH",
    "DEFAULT_CLIENT_ID",
    "LoopbackReceiver",
    "ambient_token",
    "get_identity_token",
]

#: The loopback redirect path cosign and sigstore-python use.
CALLBACK_PATH = "/auth/callback"
#: How long a person has to finish signing in in the browser, in seconds.
BROWSER_TIMEOUT = 300.0

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>sigstack</title></head>"
    "<body style='font-family:system-ui,sans-serif;margin:3em'><h1>{title}</h1>"
    "<p>{text}</p></body></html>"
)


class LoopbackReceiver:
    """A one-shot HTTP listener on ``127.0.0.1`` and a free port (RFC 8252 §7.3).

    It keeps the query string of the first request to :data:`CALLBACK_PATH`
    (other paths, a browser's ``/favicon.ico`` say, get 404) and then stops.
    """

    def __init__(self) -> None:
        self._query: str | None = None
        self._received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH or receiver._received.is_set():
                    self._answer(404, "Not found", "This is not a sign-in callback.")
                    return
                receiver._query = parts.query
                self._answer(
                    200, "Sign-in received", "You can close this tab and return to your terminal."
                )
                receiver._received.set()

            def _answer(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the terminal is for the person, not for access logs

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_port}{CALLBACK_PATH}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float) -> str:
        """The callback's raw query string; :class:`AuthenticationError` after ``timeout`` s."""
        if not self._received.wait(timeout):
            raise AuthenticationError(
                f"no sign-in came back to {self.redirect_uri} within {timeout:g} s; "
                "run the command again (or use --oauth-force-oob for the device flow)"
            )
        assert self._query is not None
        return self._query

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def ambient_token(
    audience: str, detect: Callable[[str], str | None] = ambient_id.detect_credential
) -> str | None:
    """A token from the CI environment for ``audience``, or ``None`` outside a known CI."""
    try:
        return detect(audience)
    except ambient_id.IdentityError as exc:
        raise AuthenticationError(
            f"a CI environment was detected but its identity token could not be obtained: {exc} "
            "(use --oidc-disable-ambient-providers to skip CI credentials)"
        ) from exc


def _browser_flow(
    client: OIDCClient,
    metadata: ProviderMetadata,
    open_browser: Callable[[str], bool],
    out: TextIO,
    timeout: float,
) -> str | None:
    """The authorization code + PKCE sign-in; ``None`` when no browser could be opened."""
    receiver = LoopbackReceiver()
    try:
        request = AuthorizationRequest(
            authorization_endpoint=metadata.authorization_endpoint,
            client_id=client.client_id,
            redirect_uri=receiver.redirect_uri,
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            pkce=Pkce.from_entropy(secrets.token_bytes(32)),
        )
        url = request.url()
        print(f"Sign in to {client.issuer} in your browser; if it does not open, visit:", file=out)
        print(f"  {url}", file=out, flush=True)
        if not open_browser(url) and metadata.device_authorization_endpoint is not None:
            print("No browser could be opened; using the device flow instead.", file=out)
            return None
        code = request.parse_callback(receiver.wait(timeout))
    finally:
        receiver.close()
    body = client.exchange_code(
        metadata, code=code, redirect_uri=request.redirect_uri, pkce=request.pkce
    )
    return token_from_response(body, nonce=request.nonce)


def _device_flow(
    client: OIDCClient,
    metadata: ProviderMetadata,
    out: TextIO,
    sleep: Callable[[float], None],
) -> str:
    """The device authorization sign-in (RFC 8628), or a refusal when the issuer has none."""
    if metadata.device_authorization_endpoint is None:
        raise AuthenticationError(
            f"the issuer {client.issuer} does not advertise a device_authorization_endpoint "
            "in its discovery document, so no sign-in without a browser is possible; give "
            "a token with --identity-token or $SIGSTORE_IDENTITY_TOKEN, or sign in with a browser"
        )
    pkce = Pkce.from_entropy(secrets.token_bytes(32))
    device = client.start_device_flow(metadata, scope=DEFAULT_SCOPE, pkce=pkce)
    print(device.instructions(), file=out, flush=True)
    body = client.poll_device_flow(metadata, device, pkce=pkce, sleep=sleep)
    return token_from_response(body, nonce=None)


def get_identity_token(
    issuer: str | None,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = "",
    ambient: bool = True,
    interactive: bool = True,
    force_device: bool = False,
    open_browser: Callable[[str], bool] = webbrowser.open,
    detect: Callable[[str], str | None] = ambient_id.detect_credential,
    out: TextIO | None = None,
    clock: Callable[[], datetime] = utc_now,
    timeout: float = BROWSER_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """An identity token for audience ``client_id``: ambient, else interactive (module docstring).

    ``issuer`` is the OIDC issuer to sign in with (needed only for the
    interactive flows). ``open_browser`` opens a URL and says whether it could
    (:func:`webbrowser.open`); tests pass a callable that plays the person.
    Messages for the person go to ``out`` (standard error by default).
    """
    stream = out if out is not None else sys.stderr
    token = ambient_token(client_id, detect) if ambient else None
    if token is None:
        if not interactive:
            raise AuthenticationError(
                "no identity token: give --identity-token or $SIGSTORE_IDENTITY_TOKEN, run in a "
                "CI with an OIDC provider (GitHub Actions, GitLab, Buildkite, Google Cloud, "
                "CircleCI), or run in a terminal to sign in interactively"
            )
        if not issuer:
            raise AuthenticationError(
                "no OIDC issuer to sign in with: the signing config names no identity provider "
                "(oidcUrls); give --oidc-issuer URL"
            )
        with OIDCClient(
            issuer, client_id=client_id, client_secret=client_secret, transport=transport
        ) as client:
            metadata = client.discover()
            if not force_device:
                token = _browser_flow(client, metadata, open_browser, stream, timeout)
            if token is None:
                token = _device_flow(client, metadata, stream, sleep)
    check_identity_token(token, audience=client_id, now=clock())
    return token
