"""The authorization code grant, client side: the request URL and the callback (RFC 6749 §4.1).

sigstore-clients.md §8.1 and ca-tsa-oidc-tuf.md §9.6: the browser is sent to
``authorization_endpoint?response_type=code&client_id=…&scope=openid email&
redirect_uri=http://127.0.0.1:<port>/auth/callback&code_challenge=…&
code_challenge_method=S256&state=…&nonce=…``; the issuer redirects back to the
loopback listener with ``?code=…&state=…`` (or ``?error=…``, RFC 6749 §4.1.2.1).
The listener hands the raw query string to :func:`parse_callback`, which checks
``state`` (RFC 6749 §10.12, cross-site request forgery) before trusting anything.

``urllib`` is outside the pure core (import-linter), so the
``application/x-www-form-urlencoded`` codec (WHATWG URL §5) is here, in a few lines.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from sigstack.core.oidc.pkce import Pkce
from sigstack.errors import AuthenticationError, FormatError

__all__ = [
    "DEFAULT_SCOPE",
    "AuthorizationRequest",
    "form_decode",
    "form_encode",
    "parse_callback",
]

#: sigstore-python and cosign ask for these scopes (sigstore-clients.md §8.1).
DEFAULT_SCOPE = "openid email"

# RFC 3986 §2.3 unreserved characters pass through; everything else is %XX of its UTF-8 octets.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = frozenset("0123456789abcdefABCDEF")


def _percent_encode(text: str) -> str:
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def form_encode(params: Mapping[str, str]) -> str:
    """``name=value&…`` with names and values percent-encoded (RFC 6749 Appendix B)."""
    return "&".join(f"{_percent_encode(k)}={_percent_encode(v)}" for k, v in params.items())


def _percent_decode(text: str) -> str:
    out = bytearray()
    i = 0
    raw = text.replace("+", " ")
    while i < len(raw):
        ch = raw[i]
        if ch == "%":
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise FormatError(f"bad percent-escape {raw[i : i + 3]!r} in a query string")
            out.append(int(pair, 16))
            i += 3
        else:
            out += ch.encode("utf-8")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"a query parameter is not UTF-8 once decoded: {exc}") from exc


def form_decode(query: str) -> dict[str, str]:
    """Parse ``name=value&…``; a name given twice is refused (RFC 6749 §3.1)."""
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        key = _percent_decode(name)
        if key in params:
            raise FormatError(f"query parameter {key!r} is given more than once (RFC 6749 §3.1)")
        params[key] = _percent_decode(value)
    return params


@dataclass(frozen=True)
class AuthorizationRequest:
    """One sign-in attempt: what the browser is sent with, and what must come back.

    ``state`` and ``nonce`` are fresh random strings (the core draws none; the
    caller gives them); ``pkce`` holds the verifier kept for the token request.
    """

    authorization_endpoint: str
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    pkce: Pkce
    scope: str = DEFAULT_SCOPE

    def url(self) -> str:
        """The URL the browser opens (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1)."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "scope": self.scope,
            "redirect_uri": self.redirect_uri,
            "code_challenge": self.pkce.challenge,
            "code_challenge_method": self.pkce.method,
            "state": self.state,
            "nonce": self.nonce,
        }
        endpoint = self.authorization_endpoint
        return endpoint + ("&" if "?" in endpoint else "?") + form_encode(params)

    def parse_callback(self, query: str) -> str:
        """The authorization code the redirect carries; see :func:`parse_callback`."""
        return parse_callback(query, expected_state=self.state)


def parse_callback(query: str, *, expected_state: str) -> str:
    """The ``code`` of the redirect's query string (RFC 6749 §4.1.2), or refuse.

    ``state`` is checked first, for answers and errors alike: a callback whose
    state is not the one sent did not come from this sign-in (RFC 6749 §10.12),
    so nothing else in it is believed. An ``error`` (§4.1.2.1) is reported with
    the issuer's description.
    """
    try:
        params = form_decode(query)
    except FormatError as exc:
        raise AuthenticationError(f"the sign-in callback is malformed: {exc.message}") from exc
    state = params.get("state")
    if state is None:
        raise AuthenticationError(
            "the sign-in callback has no state parameter; expected the one sent with the "
            "authorization request (RFC 6749 §4.1.2), so it is refused"
        )
    if not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise AuthenticationError(
            f"the sign-in callback's state {state!r} does not match the state sent with the "
            "authorization request; refusing it (possible cross-site request forgery, "
            "RFC 6749 §10.12)"
        )
    if "error" in params:
        description = params.get("error_description")
        detail = f": {description}" if description else ""
        raise AuthenticationError(f"the issuer refused the sign-in ({params['error']}){detail}")
    code = params.get("code")
    if not code:
        raise AuthenticationError(
            "the sign-in callback has neither a code nor an error (RFC 6749 §4.1.2)"
        )
    return code
