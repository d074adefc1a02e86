"""``GET /api/v2/configuration``: the issuers this CA trusts (ca-tsa-oidc-tuf.md §1.2).

Fulcio's ``Configuration`` message in protojson (lowerCamelCase, unpopulated
fields emitted): one entry per issuer, ``issuerUrl`` for exact issuers and
``wildcardIssuerUrl`` for meta issuers. ``challengeClaim`` tells a client what
to sign for a ``publicKeyRequest``: ``email`` for email issuers, ``sub`` for
every other type unless the configuration overrides it (``issuerToChallengeClaim``).
"""

from __future__ import annotations

from typing import Any

from sigstack.core.oidc.issuers import IssuerConfig, IssuerRegistry, IssuerType

__all__ = ["challenge_claim", "configuration_document"]


def challenge_claim(config: IssuerConfig) -> str:
    """The claim whose value a proof of possession signs (§1.3)."""
    if config.challenge_claim:
        return config.challenge_claim
    return "email" if config.type == IssuerType.EMAIL else "sub"


def _entry(config: IssuerConfig, url_key: str, url: str) -> dict[str, Any]:
    return {
        url_key: url,
        "audience": config.client_id,
        "challengeClaim": challenge_claim(config),
        "spiffeTrustDomain": config.spiffe_trust_domain or "",
        "issuerType": str(config.type),
        "subjectDomain": config.subject_domain or "",
        "skipEmailVerification": config.skip_email_verification,
    }


def configuration_document(registry: IssuerRegistry) -> dict[str, Any]:
    """The ``Configuration`` JSON for ``registry``, exact issuers then meta issuers."""
    issuers = [_entry(c, "issuerUrl", url) for url, c in registry.issuers.items()]
    issuers += [_entry(c, "wildcardIssuerUrl", p) for p, c in registry.meta_issuers.items()]
    return {"issuers": issuers}
