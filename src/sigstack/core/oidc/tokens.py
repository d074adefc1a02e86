"""Identity-token (JWT) verification against a JWKS the caller fetched (RFC 7519, OIDC Core).

Implements what Fulcio's go-oidc verifier checks (spec ca-tsa-oidc-tuf.md §9.1), plus ``iat``
which sigstore-python requires (sigstore-clients.md §8.2):

* compact JWS, signature checked with the JWKS key whose ``kid`` matches (OIDC Core §10.1.1), or
  the only key when the token has no ``kid``; headers that point elsewhere (``jku``, ``jwk``,
  ``x5u``) are ignored, so the JWKS given is the only source of keys;
* ``alg`` in :data:`ALLOWED_ALGORITHMS` (never ``none``, never HMAC: an HMAC "secret" would be the
  issuer's *public* key) and consistent with the key type and curve;
* ``iss`` equal to the configured issuer, byte for byte (OIDC Core §3.1.3.7 step 2);
* ``aud`` (string or list) containing an accepted audience (step 3);
* ``exp`` required and not past, ``nbf`` and ``iat`` (required) not in the future, each with a
  small leeway for clock skew (RFC 7519 §4.1.4-4.1.6);
* ``nonce`` equal to the one sent, when the caller gives one (OIDC Core §3.1.3.7 step 11).

Every refusal is an :class:`~sigstack.errors.AuthenticationError` naming the claim, what was
expected and what was found (ARCHITECTURE §5). This module is pure: ``now`` is a parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.api_jws import PyJWS

from sigstack.core.oidc.compact import json_object, split_compact
from sigstack.errors import AuthenticationError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "UnknownKeyError",
    "unverified_claims",
    "unverified_header",
    "verify_token",
]

#: Asymmetric JWS algorithms accepted (RFC 7518 §3.3-3.5, RFC 8037). The same set go-oidc
#: accepts from discovery's ``id_token_signing_alg_values_supported`` (spec §9.1).
ALLOWED_ALGORITHMS: tuple[str, ...] = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)

# alg -> (JWK kty, required crv or None); RFC 7518 §3.4 binds each ES* to one curve.
_KEY_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    **{alg: ("RSA", None) for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")},
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})  # RFC 7518 §6


class UnknownKeyError(AuthenticationError):
    """The token's ``kid`` is not in the JWKS given.

    The caller should refresh the issuer's JWKS once (keys rotate) and verify again; if the key
    is still unknown, the refusal stands.
    """

    def __init__(self, message: str, *, kid: str) -> None:
        super().__init__(message)
        self.kid = kid


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of ``token``, decoded but **not** verified (RFC 7515 §4)."""
    split_compact(token)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"malformed token header: {exc}") from exc
    if not isinstance(header, dict):
        raise AuthenticationError("malformed token header: not a JSON object")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of ``token``, decoded but **not** verified: only to find ``iss`` first."""
    unverified_header(token)
    try:
        decoded = PyJWS().decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"malformed token: {exc}") from exc
    return json_object(decoded["payload"], "claims", be="are")


def _select_key(header: Mapping[str, Any], jwks: Mapping[str, Any], alg: str) -> dict[str, Any]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise AuthenticationError('the issuer\'s JWKS has no "keys" list')
    # Keys meant for encryption never verify signatures (RFC 7517 §4.2).
    candidates = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    kid = header.get("kid")
    if kid is not None:
        if not isinstance(kid, str):
            raise AuthenticationError(
                f"malformed token header: kid must be a string, found {kid!r}"
            )
        matching = [k for k in candidates if k.get("kid") == kid]
        if not matching:
            known = sorted(str(k.get("kid")) for k in candidates)
            raise UnknownKeyError(
                f"token key id (kid) {kid!r} is not in the issuer's JWKS; known kids: {known}",
                kid=kid,
            )
        # Several keys may share a kid across key types: prefer the one that fits alg.
        fitting = [k for k in matching if _fits(alg, k)]
        return (fitting or matching)[0]
    if len(candidates) != 1:
        raise AuthenticationError(
            f"token has no key id (kid) and the issuer's JWKS has {len(candidates)} signing keys;"
            " expected exactly one"
        )
    return candidates[0]


def _fits(alg: str, jwk: Mapping[str, Any]) -> bool:
    kty, curves = _KEY_TYPES[alg]
    crv = jwk.get("crv")
    return jwk.get("kty") == kty and (curves is None or (isinstance(crv, str) and crv in curves))


def _check_key_matches(alg: str, jwk: Mapping[str, Any]) -> None:
    kty, curves = _KEY_TYPES[alg]
    found_kty, found_crv = jwk.get("kty"), jwk.get("crv")
    if not _fits(alg, jwk):
        found = f"{found_kty} {found_crv}" if found_crv else f"{found_kty}"
        wanted = f"{kty} {'/'.join(sorted(curves))}" if curves else kty
        raise AuthenticationError(
            f"token algorithm (alg) {alg} needs a {wanted} key; the JWKS key is {found}"
        )
    key_alg = jwk.get("alg")
    if key_alg is not None and key_alg != alg:
        raise AuthenticationError(
            f"token algorithm (alg) is {alg}; the JWKS key {jwk.get('kid')!r} is for {key_alg}"
        )


def _timestamp(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise AuthenticationError(f"token has no {name} claim; it is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AuthenticationError(f"token {name} claim must be a NumericDate, found {value!r}")
    return float(value)


def _iso(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:g} seconds after the epoch"


def _check_times(claims: Mapping[str, Any], now: datetime, leeway: timedelta) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    current, skew = now.timestamp(), leeway.total_seconds()
    context = f"now is {_iso(current)} (leeway {skew:g}s)"
    exp = _timestamp(claims, "exp", required=True)
    assert exp is not None
    if exp <= current - skew:
        raise AuthenticationError(f"token expired at {_iso(exp)}; {context}")
    nbf = _timestamp(claims, "nbf", required=False)
    if nbf is not None and nbf > current + skew:
        raise AuthenticationError(f"token not valid before (nbf) {_iso(nbf)}; {context}")
    iat = _timestamp(claims, "iat", required=True)
    assert iat is not None
    if iat > current + skew:
        raise AuthenticationError(f"token issued in the future (iat) at {_iso(iat)}; {context}")


def _check_audience(claims: Mapping[str, Any], audiences: Sequence[str]) -> None:
    aud = claims.get("aud")
    if aud is None:
        raise AuthenticationError(f"token has no aud claim; expected one of {list(audiences)}")
    found = [aud] if isinstance(aud, str) else aud
    if not isinstance(found, list) or not all(isinstance(a, str) for a in found):
        raise AuthenticationError(f"token aud must be a string or a list of strings: {aud!r}")
    if not set(found) & set(audiences):
        raise AuthenticationError(
            f"token audience (aud) is {aud!r}; expected one of {list(audiences)}"
        )


def verify_token(
    token: str,
    *,
    jwks: Mapping[str, Any],
    issuer: str,
    audiences: Sequence[str],
    now: datetime,
    leeway: timedelta = timedelta(seconds=60),
    nonce: str | None = None,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims (spec §9.1, OIDC Core §3.1.3.7).

    ``jwks`` is the issuer's JWK Set (RFC 7517 §5) as parsed JSON. Raises
    :class:`UnknownKeyError` when the token's ``kid`` is not in it, and
    :class:`~sigstack.errors.AuthenticationError` for every other refusal.
    """
    if isinstance(audiences, str):
        raise TypeError("audiences must be a sequence of strings, not a string")
    header = unverified_header(token)
    crit = header.get("crit")
    if crit is not None:
        raise AuthenticationError(f"token header marks {crit!r} critical; none are supported")
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise AuthenticationError(
            f"token algorithm (alg) {alg!r} is not allowed;"
            f" allowed: {', '.join(ALLOWED_ALGORITHMS)}"
        )
    jwk = _select_key(header, jwks, alg)
    _check_key_matches(alg, jwk)
    try:
        # Only the public members: a JWKS that leaks "d" must not turn into a private key here.
        key = jwt.PyJWK({k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS}, algorithm=alg)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise AuthenticationError(f"the JWKS key {jwk.get('kid')!r} is unusable: {exc}") from exc
    try:
        decoded = PyJWS().decode_complete(token, key=key.key, algorithms=[alg])
    except jwt.InvalidSignatureError as exc:
        raise AuthenticationError(
            f"token signature does not verify with the issuer's key {jwk.get('kid')!r} ({alg})"
        ) from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"malformed token: {exc}") from exc
    claims = json_object(decoded["payload"], "claims", be="are")

    found_iss = claims.get("iss")
    if found_iss != issuer:
        raise AuthenticationError(f"token issuer (iss) is {found_iss!r}; expected {issuer!r}")
    _check_audience(claims, audiences)
    _check_times(claims, now, leeway)
    if nonce is not None and claims.get("nonce") != nonce:
        raise AuthenticationError(
            f"token nonce is {claims.get('nonce')!r}; expected the nonce sent, {nonce!r}"
        )
    return claims
