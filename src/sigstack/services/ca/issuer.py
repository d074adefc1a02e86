"""The issuance pipeline of ``POST /api/v2/signingCert`` (ca-tsa-oidc-tuf.md §1.4).

1. Token: ``credentials.oidcIdentityToken`` first, else ``Authorization: Bearer``
   (§0 item 1; sigstore-python sends only the header, sigstore-js only the body).
2. Issuer: looked up by the token's *unverified* ``iss`` in the registry
   (exact ``OIDCIssuers`` entry, else a ``MetaIssuers`` wildcard, §5).
3. Keys: the issuer's discovery + JWKS (cached; one forced refresh when the
   token names an unknown ``kid``), ``alg`` in discovery's
   ``id_token_signing_alg_values_supported`` (go-oidc, §12 item 5).
4. ``verify_token``: signature, ``iss``, ``aud`` = the issuer's ClientID, times.
5. Principal from the claims, by issuer type (§4): SAN, extensions, challenge.
6. Public key + proof of possession: CSR self-signature, or ``publicKeyRequest``
   with a signature over the challenge (§1.3).
7. Precertificate (poison) → CT ``add_pre_chain`` → final certificate with the
   SCT list embedded (§6.1, §6.3).

Steps 1–6 only read: a refusal (401 token, 400 request) issues nothing and
appends nothing to the CT log. Only step 7 writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.ct.sct import SignedCertificateTimestamp, encode_sct_list
from sigstack.core.oidc.issuers import IssuerRegistry
from sigstack.core.oidc.tokens import UnknownKeyError, unverified_claims
from sigstack.errors import AuthenticationError, FormatError
from sigstack.services.ca.jwks import JWKSCache
from sigstack.services.ca.settings import CASettings
from sigstack.services.ca.steps import Request
from sigstack.services.ca.workers import CryptoPool

__all__ = ["CertificateAuthority", "PreChainLog", "token_from_request"]


class PreChainLog(Protocol):
    """The part of the CT log the CA uses (services/ctlog ``CTLog``)."""

    async def add_pre_chain(self, chain: list[bytes]) -> SignedCertificateTimestamp:
        """Log ``[precert DER, *chain DER]`` and return its SCT."""
        ...


def token_from_request(body: Mapping[str, Any], authorization: str | None) -> str:
    """The identity token: ``credentials.oidcIdentityToken``, else ``Authorization: Bearer``."""
    credentials = body.get("credentials")
    if credentials is not None:
        if not isinstance(credentials, dict):
            raise FormatError("expected an object", field="credentials")
        token = credentials.get("oidcIdentityToken")
        if isinstance(token, str) and token:
            return token
        if token is not None and not isinstance(token, str):
            raise FormatError("expected a string", field="credentials.oidcIdentityToken")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise AuthenticationError(
            f"the Authorization header must be 'Bearer <identity token>'; found scheme {scheme!r}"
        )
    raise AuthenticationError(
        "no identity token: send it as credentials.oidcIdentityToken or 'Authorization: Bearer'"
    )


# protojson parses proto field names as well as lowerCamelCase ones (§1).
_PROTO_NAMES = {
    "certificate_signing_request": "certificateSigningRequest",
    "public_key_request": "publicKeyRequest",
    "public_key": "publicKey",
    "proof_of_possession": "proofOfPossession",
    "oidc_identity_token": "oidcIdentityToken",
}


def _camel_case(value: dict[str, Any]) -> dict[str, Any]:
    """The request with proto field names spelled the JSON way (``public_key`` → ``publicKey``)."""
    return {
        _PROTO_NAMES.get(k, k): _camel_case(v) if isinstance(v, dict) else v
        for k, v in value.items()
    }


class CertificateAuthority:
    """Everything ``POST /api/v2/signingCert`` needs, wired once at start.

    The pure, CPU-heavy steps (:mod:`~sigstack.services.ca.steps`) run in ``pool``
    (:class:`~sigstack.services.ca.workers.CryptoPool`); what holds state (the
    JWKS cache, the CT log) stays here.
    """

    def __init__(
        self,
        *,
        chain: list[x509.Certificate],
        registry: IssuerRegistry,
        jwks: JWKSCache,
        ctlog: PreChainLog,
        pool: CryptoPool,
        settings: CASettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.chain = chain
        self.registry = registry
        self.jwks = jwks
        self.ctlog = ctlog
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self._chain_der = [c.public_bytes(serialization.Encoding.DER) for c in chain]
        self.chain_pem = [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain]

    async def issue(self, body: Any, authorization: str | None) -> bytes:
        """Steps 1–7 for one request body; returns the leaf certificate, DER."""
        if not isinstance(body, dict):
            raise FormatError("the request body must be a JSON object")
        body = _camel_case(body)
        token = token_from_request(body, authorization)
        csr = body.get("certificateSigningRequest")
        pkr = body.get("publicKeyRequest")
        if (csr is None) == (pkr is None):
            raise FormatError(
                "send exactly one of certificateSigningRequest (a base64 PEM CSR) and "
                "publicKeyRequest (public key + proofOfPossession)"
            )
        iss = unverified_claims(token).get("iss")
        if not isinstance(iss, str) or not iss:
            raise AuthenticationError("the identity token has no iss (issuer) claim")
        config = self.registry.lookup(iss)  # AuthenticationError naming the configured issuers
        keys = await self.jwks.get(iss, ca_cert=config.ca_cert)
        for attempt in (1, 2):
            request = Request(
                token=token,
                iss=iss,
                jwks=keys.jwks,
                algorithms=keys.algorithms,
                now=self.clock(),
                leeway=self.settings.token_leeway,
                validity=self.settings.certificate_validity,
                csr=csr,
                public_key_request=pkr,
            )
            try:
                precert: bytes = await self.pool.run("prepare", request)
                break
            except UnknownKeyError:
                fresh = None
                if attempt == 1:
                    fresh = await self.jwks.refresh(iss, keys, ca_cert=config.ca_cert)
                if fresh is None:
                    raise
                keys = fresh  # the issuer rotated its keys: verify once more
        sct = await self.ctlog.add_pre_chain([precert, *self._chain_der])
        leaf: bytes = await self.pool.run("finalize", precert, encode_sct_list([sct]))
        return leaf
