"""OpenID Connect, pure: JWT verification against a given JWKS, issuers, principals.

Flow in the CA (spec ca-tsa-oidc-tuf.md §1.4, §4, §9): :func:`unverified_claims` to read
``iss`` → :meth:`IssuerRegistry.lookup` → fetch that issuer's JWKS (I/O, outside core) →
:func:`verify_token` (on :class:`UnknownKeyError`, refresh the JWKS once and retry) →
:func:`principal_from_claims`.

The names below are loaded on first use (PEP 562): a signing command imports only
:mod:`sigstack.core.oidc.identity_token`, and importing this package must not pull in
PyJWT and the issuer tables with it (docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigstack.core.oidc.issuers import (
        IssuerConfig,
        IssuerRegistry,
        IssuerType,
        default_issuers,
        parse_issuer_config,
    )
    from sigstack.core.oidc.principals import Principal, principal_from_claims
    from sigstack.core.oidc.tokens import (
        ALLOWED_ALGORITHMS,
        UnknownKeyError,
        unverified_claims,
        unverified_header,
        verify_token,
    )

#: exported name → the submodule defining it.
_WHERE = {
    "IssuerConfig": "issuers",
    "IssuerRegistry": "issuers",
    "IssuerType": "issuers",
    "default_issuers": "issuers",
    "parse_issuer_config": "issuers",
    "Principal": "principals",
    "principal_from_claims": "principals",
    "ALLOWED_ALGORITHMS": "tokens",
    "UnknownKeyError": "tokens",
    "unverified_claims": "tokens",
    "unverified_header": "tokens",
    "verify_token": "tokens",
}

__all__ = [
    "ALLOWED_ALGORITHMS",
    "IssuerConfig",
    "IssuerRegistry",
    "IssuerType",
    "Principal",
    "UnknownKeyError",
    "default_issuers",
    "parse_issuer_config",
    "principal_from_claims",
    "unverified_claims",
    "unverified_header",
    "verify_token",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
