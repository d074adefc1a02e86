"""Client-side sanity checks of an identity token before signing with it (sigstore-clients.md §8.2).

Like sigstore-python's ``IdentityToken``, the signature is **not** verified here
(the CA verifies it against the issuer's keys); the client only refuses a token
the CA would refuse anyway, with a clearer message and before any key or
request is made: the claims ``aud, sub, iat, exp, iss`` are required, ``aud``
must name the client's audience, ``exp`` must be in the future, ``iat`` and
``nbf`` not in the future (5 s leeway). ``now`` is a parameter.

Since nothing is verified, the token is read with :mod:`base64` and :mod:`json` alone
(compact JWS, RFC 7515 §7.1: the header and the claims are base64url JSON objects), not
with PyJWT: signing commands are start-up bound and this module is all they need of
:mod:`sigstack.core.oidc` (docs/benchmarks.md). Signatures are checked where they matter,
in :mod:`sigstack.core.oidc.tokens` (the CA).

:func:`token_from_response` picks the identity token out of a token endpoint
answer (RFC 6749 §5.1, OIDC Core §3.1.3.3) and checks the ``nonce`` sent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sigstack.core.oidc.compact import json_object, split_compact
from sigstack.errors import AuthenticationError

__all__ = [
    "CLIENT_LEEWAY",
    "DEFAULT_CLIENT_ID",
    "check_identity_token",
    "token_from_response",
    "unverified_token_claims",
]

#: sigstore-python's and cosign's client id, and so the audience Fulcio expects.
DEFAULT_CLIENT_ID = "sigstore"
#: sigstore-python's leeway for ``iat``/``exp``/``nbf`` (sigstore-clients.md §8.2).
CLIENT_LEEWAY = timedelta(seconds=5)
_REQUIRED = ("aud", "sub", "iat", "exp", "iss")


def _base64url(text: str, what: str) -> bytes:
    """base64url without padding (RFC 7515 §2), decoded as leniently as PyJWT does."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise AuthenticationError(f"malformed token: the {what} is not base64url ({exc})") from exc


def _segment(text: str, what: str) -> dict[str, Any]:
    """One base64url JSON-object segment of a compact JWS (the header or the claims)."""
    return json_object(_base64url(text, what), f"the {what}")


def unverified_token_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWT, decoded but **not** verified (RFC 7519 §7.2 steps 1–8
    without the signature): three dot-separated base64url parts, the header and the claims
    JSON objects; refuse anything else with :class:`~sigstack.errors.AuthenticationError`."""
    parts = split_compact(token)
    header = _segment(parts[0], "header segment")
    if not isinstance(header.get("kid", ""), str):
        raise AuthenticationError(
            f"malformed token header: kid must be a string, found {header['kid']!r}"
        )
    claims = _segment(parts[1], "claims segment")
    _base64url(parts[2], "signature segment")
    return claims


def _when(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:g} s after the epoch"


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AuthenticationError(
            f"the identity token's {name} claim must be a NumericDate, found {value!r}"
        )
    return float(value)


def check_identity_token(
    token: str,
    *,
    audience: str,
    now: datetime,
    leeway: timedelta = CLIENT_LEEWAY,
) -> dict[str, Any]:
    """The claims of ``token`` if a CA could accept it for ``audience`` at ``now``; else refuse."""
    try:
        claims = unverified_token_claims(token.strip())
    except AuthenticationError as exc:
        raise AuthenticationError(f"the identity token is not a JWT: {exc.message}") from exc
    missing = [name for name in _REQUIRED if name not in claims]
    if missing:
        raise AuthenticationError(
            f"the identity token lacks the claim(s) {', '.join(missing)}; a signing identity "
            f"token needs {', '.join(_REQUIRED)} (sigstore-clients.md §8.2)"
        )
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or audience not in audiences:
        raise AuthenticationError(
            f"the identity token's audience (aud) is {aud!r}; expected it to contain "
            f"{audience!r} (the OIDC client id). Ask the issuer for a token for audience "
            f"{audience!r}"
        )
    current, skew = now.timestamp(), leeway.total_seconds()
    exp = _number(claims, "exp")
    if exp <= current - skew:
        raise AuthenticationError(
            f"the identity token expired at {_when(exp)} (now is {_when(current)}); "
            "obtain a fresh token"
        )
    iat = _number(claims, "iat")
    if iat > current + skew:
        raise AuthenticationError(
            f"the identity token was issued in the future (iat {_when(iat)}, now is "
            f"{_when(current)}); check this machine's clock"
        )
    if "nbf" in claims and _number(claims, "nbf") > current + skew:
        raise AuthenticationError(
            f"the identity token is not valid before {_when(_number(claims, 'nbf'))} "
            f"(now is {_when(current)}); check this machine's clock"
        )
    return claims


def token_from_response(body: object, *, nonce: str | None) -> str:
    """The identity token of a successful token response (RFC 6749 §5.1), nonce checked.

    The ``id_token`` when there is one (OIDC Core §3.1.3.3; cosign's choice): it
    is the identity assertion, its ``aud`` is the client id by definition, and it
    carries the ``nonce`` we sent, which must come back unchanged (OIDC Core
    §3.1.3.7 step 11, replay). Otherwise the ``access_token``, which is what
    sigstore-python signs with (sigstore-clients.md §8.1).
    """
    if not isinstance(body, Mapping):
        raise AuthenticationError(
            f"expected a JSON object from the token endpoint, found {type(body).__name__}"
        )
    id_token = body.get("id_token")
    if isinstance(id_token, str) and id_token:
        if nonce is not None:
            found = unverified_token_claims(id_token).get("nonce")
            if not isinstance(found, str) or not hmac.compare_digest(
                found.encode(), nonce.encode()
            ):
                raise AuthenticationError(
                    f"the id_token's nonce is {found!r}, not the nonce sent with the "
                    "authorization request; refusing it (OIDC Core §3.1.3.7, replay)"
                )
        return id_token
    access_token = body.get("access_token")
    if isinstance(access_token, str) and access_token:
        return access_token
    raise AuthenticationError(
        "the token endpoint answered without an id_token or access_token "
        f"(keys: {sorted(str(k) for k in body)})"
    )
