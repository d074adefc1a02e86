"""The pure steps of issuance, as functions of plain values (ca-tsa-oidc-tuf.md §1.4).

:func:`prepare` is steps 2–7a of :mod:`sigstack.services.ca.issuer` once the
issuer's keys are known: issuer configuration, token verification, principal,
public key and proof of possession, precertificate. :func:`finalize` is step
7c: the final certificate with the SCT list. Both only compute (``now`` is a
parameter), so :class:`~sigstack.services.ca.workers.CryptoPool` can run them in
worker processes; only the JWKS cache and the CT log, which hold state, stay in
the server process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.oidc.issuers import IssuerRegistry
from sigstack.core.oidc.principals import Principal, principal_from_claims
from sigstack.core.oidc.tokens import unverified_header, verify_token
from sigstack.core.x509.issuance import LeafRequest, build_precertificate, finalize_certificate
from sigstack.errors import AuthenticationError
from sigstack.services.ca.keys import CAKey
from sigstack.services.ca.possession import key_from_csr, key_from_public_key_request

__all__ = ["IssuerState", "Request", "challenges", "finalize", "prepare"]


@dataclass(frozen=True)
class IssuerState:
    """What the steps need beyond the request: the CA key, its certificate, the issuers."""

    key: CAKey
    issuer: x509.Certificate
    registry: IssuerRegistry


@dataclass(frozen=True)
class Request:
    """One certificate request, with the issuer's keys as the server's cache holds them."""

    token: str
    iss: str
    jwks: dict[str, Any]
    algorithms: tuple[str, ...]
    now: datetime
    leeway: timedelta
    validity: timedelta
    csr: Any = None
    public_key_request: Any = None


def challenges(principal: Principal, claims: Mapping[str, Any]) -> list[str]:
    """The principal's challenge, then the token's verified email if that differs.

    cosign, sigstore-go and sigstore-js sign the token's ``email`` whenever it has
    one, even for issuer types whose challenge is ``sub`` (§1.3 pitfall). Accepting
    either keeps those clients working; both are claims of the verified token.
    """
    found = [principal.challenge]
    email = claims.get("email")
    verified = claims.get("email_verified") in (True, "true", "True")
    if isinstance(email, str) and email and verified and email != principal.challenge:
        found.append(email)
    return found


def prepare(state: IssuerState, request: Request) -> bytes:
    """Verify the token and the key, and return the precertificate (DER) to log.

    Token refusals (401) come before request refusals (400), as in Fulcio.
    """
    config = state.registry.lookup(request.iss)
    alg = unverified_header(request.token).get("alg")
    if alg not in request.algorithms:  # go-oidc: only what discovery advertises (§12 item 5)
        raise AuthenticationError(
            f"token algorithm (alg) {alg!r} is not allowed: issuer {request.iss} signs with "
            f"{', '.join(request.algorithms)} (id_token_signing_alg_values_supported)"
        )
    claims = verify_token(
        request.token,
        jwks=request.jwks,
        issuer=request.iss,
        audiences=config.audiences,
        now=request.now,
        leeway=request.leeway,
    )
    principal = principal_from_claims(config, claims)
    if request.csr is not None:
        key = key_from_csr(request.csr)
    else:
        key = key_from_public_key_request(request.public_key_request, challenges(principal, claims))
    leaf = LeafRequest(key, principal.san_type, principal.san_value, principal.extensions)
    precert = build_precertificate(
        leaf,
        issuer=state.issuer,
        issuer_key=state.key,
        not_before=request.now,
        validity=request.validity,
    )
    return precert.public_bytes(serialization.Encoding.DER)


def finalize(state: IssuerState, precert_der: bytes, sct_list: bytes) -> bytes:
    """The final certificate (DER): the precertificate with the SCT list in place of the poison."""
    precert = x509.load_der_x509_certificate(precert_der)
    final = finalize_certificate(precert, sct_list, issuer=state.issuer, issuer_key=state.key)
    return final.public_bytes(serialization.Encoding.DER)
