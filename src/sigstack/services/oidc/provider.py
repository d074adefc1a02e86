"""The development issuer's state: issuer URL, signing keys, clock, lifetimes, pending grants.

ID tokens (OIDC Core §2) carry ``iss``, ``sub``, ``aud`` (the client id,
``sigstore`` by default), ``email``, ``email_verified: true``, ``iat``, ``nbf``,
``exp`` (10 minutes by default), ``jti`` and ``nonce`` when the client sent one
(OIDC Core §3.1.2.1). **Decision: ``sub`` is the email** (normalized to lower
case). It is stable per email, readable where sigstore-python shows ``sub``
(any issuer it does not know, sigstore-clients.md §8.2), and matches the email
a CA puts in the SAN for an email issuer, so cosign's proof of possession over
the subject and the email agree.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt

from sigstack.errors import FormatError, StorageError
from sigstack.services.oidc.grants import CodeStore, DeviceStore
from sigstack.services.oidc.keys import SigningKey, key_path, load_or_create_signing_key

__all__ = ["DEVICE_GRANT_TYPE", "Provider", "ProviderSettings", "normalize_email", "open_provider"]

#: RFC 8628 §3.4 grant type.
DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"

_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "email", "email_verified")

# Deliberately simple: one @, no spaces, a dot in the domain (not RFC 5322, which no one types).
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


@dataclass(frozen=True)
class ProviderSettings:
    """Lifetimes (seconds) and limits, read once at the edge (CLI flags)."""

    token_lifetime: int = 600
    code_lifetime: int = 60
    device_lifetime: int = 600
    device_interval: int = 5
    client_ids: tuple[str, ...] = ("sigstore",)
    max_pending: int = 10_000


def normalize_email(text: str) -> str:
    """The email to sign as, stripped and lower-cased; refuse anything that is not one."""
    email = text.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise FormatError(f"expected an email address such as alice@example.com, found {text!r}")
    return email


def check_issuer(issuer: str) -> str:
    """An issuer identifier (OIDC Core §2: https or, for development, http; no query, no fragment).

    A trailing slash is dropped so that ``{issuer}/.well-known/openid-configuration``
    (OIDC Discovery §4) and ``iss`` agree exactly.
    """
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise FormatError(
            f"issuer must be an http(s) URL without query or fragment, found {issuer!r}"
        )
    return issuer.rstrip("/")


class Provider:
    """Everything the issuer's endpoints need; ``mint`` signs tokens without any browser."""

    def __init__(
        self,
        issuer: str,
        keys: Sequence[SigningKey],
        clock: Callable[[], datetime],
        settings: ProviderSettings | None = None,
    ) -> None:
        if not keys:
            raise FormatError("the issuer needs at least one signing key")
        self.issuer = check_issuer(issuer)
        self.keys = tuple(keys)
        self.signing_key = self.keys[0]
        self.clock = clock
        self.settings = settings or ProviderSettings()
        self.codes = CodeStore(clock, self.settings.code_lifetime, self.settings.max_pending)
        self.devices = DeviceStore(
            clock,
            self.settings.device_lifetime,
            self.settings.device_interval,
            self.settings.max_pending,
        )

    def url(self, path: str) -> str:
        """An endpoint's absolute URL: the issuer URL plus ``path``."""
        return self.issuer + path

    def discovery(self) -> dict[str, Any]:
        """The OpenID Provider Metadata (OIDC Discovery §3; RFC 8414 §2; RFC 8628 §4)."""
        return {
            "issuer": self.issuer,
            "jwks_uri": self.url("/jwks"),
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "device_authorization_endpoint": self.url("/device/code"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": sorted({k.algorithm for k in self.keys}),
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", DEVICE_GRANT_TYPE],
            "scopes_supported": ["openid", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
            "claims_supported": list(_CLAIMS),
        }

    def jwks(self) -> dict[str, Any]:
        """The public keys (RFC 7517 §5), the signing key first."""
        return {"keys": [dict(k.public_jwk) for k in self.keys]}

    def mint(self, email: str, *, nonce: str | None = None, audience: str | None = None) -> str:
        """A signed ID token for ``email`` (OIDC Core §2), valid for ``token_lifetime`` seconds."""
        address = normalize_email(email)
        now = int(self.clock().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": address,
            "aud": audience or self.settings.client_ids[0],
            "email": address,
            "email_verified": True,
            "iat": now,
            "nbf": now,
            "exp": now + self.settings.token_lifetime,
            "jti": secrets.token_urlsafe(16),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        key = self.signing_key
        return jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
        )

    def token_response(self, email: str, client_id: str, nonce: str | None) -> dict[str, Any]:
        """The successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).

        ``access_token`` is the ID token itself: sigstore-python uses it as the
        identity token (sigstore-clients.md §8.1), as Dex does.
        """
        token = self.mint(email, nonce=nonce, audience=client_id)
        return {
            "access_token": token,
            "id_token": token,
            "token_type": "Bearer",
            "expires_in": self.settings.token_lifetime,
        }


def open_provider(
    data_dir: Path,
    clock: Callable[[], datetime],
    *,
    issuer: str | None = None,
    default_issuer: str | None = None,
    algorithm: str | None = None,
    settings: ProviderSettings | None = None,
    remember: bool = True,
) -> Provider:
    """The issuer kept in ``data_dir``: keys in ``keys/oidc-*.pem``, the rest in ``oidc.json``.

    The issuer URL is ``issuer`` when given (and then remembered, if ``remember``),
    else the one remembered on an earlier start, else ``default_issuer``. The
    same rule picks the algorithm (default ES256). ``sigstack oidc token`` thus
    mints tokens with the issuer and key a running ``serve oidc`` uses.
    Keys of the other algorithm already on disk stay in the JWKS, so tokens
    signed before a switch still verify.
    """
    state_path = data_dir / "oidc.json"
    state: dict[str, str] = {}
    if state_path.exists():
        try:
            state = dict(json.loads(state_path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise StorageError(f"cannot read {state_path}: {exc}") from exc
    chosen_issuer = issuer or state.get("issuer") or default_issuer
    if chosen_issuer is None:
        raise FormatError(
            f"no issuer URL: none given and none remembered in {state_path}; "
            "give the issuer URL (--issuer / --issuer-url) or start `sigstack serve oidc` once"
        )
    chosen_issuer = check_issuer(chosen_issuer)
    chosen_alg = algorithm or state.get("algorithm") or "ES256"
    keys_dir = data_dir / "keys"
    keys = [load_or_create_signing_key(keys_dir, chosen_alg)]
    for other in ("ES256", "RS256"):
        if other != chosen_alg and key_path(keys_dir, other).exists():
            keys.append(load_or_create_signing_key(keys_dir, other))
    new_state = {"issuer": chosen_issuer, "algorithm": chosen_alg}
    if remember and new_state != state:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            state_path.write_text(json.dumps(new_state, indent=2) + "\n")
        except OSError as exc:
            raise StorageError(f"cannot write {state_path}: {exc}") from exc
    return Provider(chosen_issuer, keys, clock, settings)
