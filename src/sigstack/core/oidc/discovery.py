"""The parts of an issuer's discovery document a signing client needs (OIDC Discovery §3, §4.3).

sigstore-clients.md §8.1: sigstore-python needs string ``authorization_endpoint``
and ``token_endpoint`` and ignores the rest; ca-tsa-oidc-tuf.md §9.6: cosign also
reads ``device_authorization_endpoint`` (RFC 8628 §4) and refuses an issuer whose
``code_challenge_methods_supported`` lacks ``S256``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sigstack.errors import FormatError

__all__ = ["ProviderMetadata", "discovery_url", "parse_provider_metadata"]


def discovery_url(issuer: str) -> str:
    """``{issuer}/.well-known/openid-configuration`` (OIDC Discovery §4)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class ProviderMetadata:
    """Where to send the person and where to exchange what they bring back."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    device_authorization_endpoint: str | None = None


def _endpoint(document: Mapping[str, Any], name: str, where: str, *, required: bool) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise FormatError(
            f"expected {name} to be an http(s) URL in the discovery document at {where}, "
            f"found {value!r}",
            field=name,
        )
    return value


def parse_provider_metadata(document: object, issuer: str) -> ProviderMetadata:
    """Check the discovery document fetched for ``issuer`` and keep what the flows use.

    OIDC Discovery §4.3: the ``issuer`` it names must be the issuer asked (a
    trailing slash aside), or its tokens would name another issuer than the one
    the person chose.
    """
    where = discovery_url(issuer)
    if not isinstance(document, Mapping):
        raise FormatError(f"expected a JSON object from {where}, found {type(document).__name__}")
    named = document.get("issuer")
    if not isinstance(named, str) or named.rstrip("/") != issuer.rstrip("/"):
        raise FormatError(
            f"the discovery document at {where} names issuer {named!r}; expected {issuer!r} "
            "(OIDC Discovery §4.3)",
            field="issuer",
        )
    methods = document.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise FormatError(
            f"the issuer {issuer} does not support PKCE S256 (code_challenge_methods_supported "
            f"is {methods!r}); sigstack signs in only with PKCE (RFC 7636)",
            field="code_challenge_methods_supported",
        )
    authorization = _endpoint(document, "authorization_endpoint", where, required=True)
    token = _endpoint(document, "token_endpoint", where, required=True)
    assert authorization is not None and token is not None
    return ProviderMetadata(
        issuer=named,
        authorization_endpoint=authorization,
        token_endpoint=token,
        device_authorization_endpoint=_endpoint(
            document, "device_authorization_endpoint", where, required=False
        ),
    )
