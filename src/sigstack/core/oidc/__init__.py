"""OpenID Connect, pure: JWT verification against a given JWKS, issuers, principals.

Flow in the CA (spec ca-tsa-oidc-tuf.md §1.4, §4, §9): :func:`unverified_claims` to read
``iss`` → :meth:`IssuerRegistry.lookup` → fetch that issuer's JWKS (I/O, outside core) →
:func:`verify_token` (on :class:`UnknownKeyError`, refresh the JWKS once and retry) →
:func:`principal_from_claims`.
"""

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
