"""OAuth 2.0 building blocks: error shape, PKCE, redirect URIs, form bodies, client identification.

Pure functions over strings and bytes; the HTTP routes in ``app.py`` and
``device.py`` call them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlsplit

from sigstack.errors import FormatError

__all__ = [
    "OOB_REDIRECT_URI",
    "OAuthError",
    "check_challenge",
    "check_redirect_uri",
    "client_from_basic",
    "parse_form",
    "s256_challenge",
    "verify_pkce",
]

#: The out-of-band redirect: the code is shown to the person, who pastes it into the terminal.
OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2: an S256 challenge is 43 base64url chars.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


class OAuthError(FormatError):
    """A refusal in the RFC 6749 §5.2 shape: ``{"error": code, "error_description": why}``.

    ``error`` is one of the registered codes (RFC 6749 §4.1.2.1, §5.2; RFC 8628 §3.5).
    """

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def check_redirect_uri(uri: str) -> None:
    """Accept only loopback redirects on any port and the out-of-band URN.

    RFC 8252 §7.3 (loopback interface redirection: the port is chosen by the
    client at run time, so any port matches) and §8.3 (loopback only, never a
    remote host: this issuer hands out identities to whoever asks).
    """
    if uri == OOB_REDIRECT_URI:
        return
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise OAuthError(
            "invalid_request", f"redirect_uri {uri!r} is not a valid URL: {exc}"
        ) from exc
    if (
        parts.scheme != "http"
        or (parts.hostname or "") not in _LOOPBACK_HOSTS
        or parts.username is not None
    ):
        raise OAuthError(
            "invalid_request",
            f"redirect_uri must be http://localhost:<port>/..., http://127.0.0.1:<port>/... "
            f"or {OOB_REDIRECT_URI} (RFC 8252 §7.3); found {uri!r}",
        )
    if parts.fragment:
        raise OAuthError(
            "invalid_request", "redirect_uri must not have a fragment (RFC 6749 §3.1.2)"
        )


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))`` without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_challenge(challenge: str | None, method: str | None) -> str:
    """The S256 ``code_challenge`` of an authorization request (RFC 7636 §4.3), or refuse.

    A missing method means ``plain`` (RFC 7636 §4.3), which we do not support.
    """
    if not challenge:
        raise OAuthError(
            "invalid_request", "code_challenge is required: this issuer requires PKCE (RFC 7636)"
        )
    if method != "S256":
        raise OAuthError(
            "invalid_request",
            f"code_challenge_method must be S256, found {method or 'none (which means plain)'!r} "
            "(RFC 7636 §4.3)",
        )
    if not _CHALLENGE.fullmatch(challenge):
        raise OAuthError(
            "invalid_request", "code_challenge must be 43 base64url characters (RFC 7636 §4.2)"
        )
    return challenge


def verify_pkce(verifier: str | None, challenge: str) -> None:
    """Check ``code_verifier`` against the stored S256 challenge (RFC 7636 §4.6), or refuse."""
    if not verifier:
        raise OAuthError("invalid_grant", "code_verifier is required (RFC 7636 §4.5)")
    if not _VERIFIER.fullmatch(verifier):
        raise OAuthError(
            "invalid_grant", "code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)"
        )
    if not hmac.compare_digest(s256_challenge(verifier), challenge):
        raise OAuthError(
            "invalid_grant", "code_verifier does not match the code_challenge (RFC 7636 §4.6)"
        )


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (RFC 6749 Appendix B).

    A parameter sent twice is refused (RFC 6749 §3.1: "MUST NOT be included more than once").
    """
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise OAuthError("invalid_request", f"the form body does not parse: {exc}") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"parameter {name!r} is given more than once")
        form[name] = value
    return form


def client_from_basic(authorization: str | None) -> str | None:
    """The client_id of an HTTP Basic ``Authorization`` header (RFC 6749 §2.3.1), if any.

    Our clients are public (RFC 6749 §2.1): the secret is not checked (cosign
    and sigstore-python send an empty one).
    """
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(
            "invalid_client", f"unsupported client authentication scheme {scheme!r}", status=401
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError(
            "invalid_client", "the Basic credentials are not base64 of id:secret", status=401
        ) from exc
    client_id, sep, _secret = decoded.partition(":")
    if not sep:
        raise OAuthError(
            "invalid_client", "the Basic credentials lack the ':' separator", status=401
        )
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    return dict(parse_qsl("c=" + client_id, keep_blank_values=True)).get("c", "")
