"""The client side of OIDC sign-in, for tests: PKCE, a browser's form, a loopback listener.

What a CLI such as cosign or sigstore-python does (RFC 7636 §4.1–4.2, RFC 8252
§7.3) and what a person does at the login page, written independently of the
issuer's own code so the tests check it rather than mirror it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt

__all__ = ["LoopbackCallback", "pkce_pair", "submit_form", "verify_id_token"]


def pkce_pair() -> tuple[str, str]:
    """A fresh ``code_verifier`` (32 random bytes, RFC 7636 §4.1) and its S256 challenge (§4.2)."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


class _FirstForm(HTMLParser):
    """The first form of a page: its action and the values a browser would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")


def submit_form(browser: httpx.Client, page: httpx.Response, **typed: str) -> httpx.Response:
    """Fill in the page's first form as a person would (``typed`` overrides), and submit it."""
    form = _FirstForm()
    form.feed(page.text)
    if form.action is None:
        raise AssertionError(f"no form on {page.url}: {page.text[:200]!r}")
    return browser.post(urljoin(str(page.url), form.action), data={**form.fields, **typed})


class LoopbackCallback:
    """The redirect listener a CLI runs on ``localhost`` and an ephemeral port (RFC 8252 §7.3).

    It answers one request and keeps its query parameters in ``query``.
    """

    def __init__(self, path: str = "/auth/callback") -> None:
        self.query: dict[str, list[str]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.query = parse_qs(urlsplit(self.path).query)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"signed in; return to your terminal")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://localhost:{self._server.server_port}{path}"
        self._thread = threading.Thread(target=self._server.handle_request, daemon=True)
        self._thread.start()

    def wait(self, timeout: float = 10) -> dict[str, list[str]]:
        """The callback's query parameters, once it has been called."""
        self._thread.join(timeout)
        return self.query

    def close(self) -> None:
        """Stop listening."""
        self._server.server_close()


def verify_id_token(token: str, discovery: dict[str, Any], audience: str = "sigstore") -> Any:
    """The claims of ``token``, verified with the JWKS that discovery names, as a CA would.

    Requires the claims sigstore-python requires (``aud, sub, iat, exp, iss``).
    """
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key,
        algorithms=discovery["id_token_signing_alg_values_supported"],
        audience=audience,
        issuer=discovery["issuer"],
        options={"require": ["aud", "sub", "iat", "exp", "iss"]},
    )
