"""The CA's limits and tunables, with defaults (ARCHITECTURE §2 rule 6): read once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["CASettings"]


@dataclass(frozen=True)
class CASettings:
    """Named settings of ``sigstack serve ca``."""

    #: How long an issuer's discovery document and JWKS are reused before fetching again.
    jwks_ttl: float = 300.0
    #: At most one forced JWKS refresh (token with an unknown ``kid``) per issuer this often.
    jwks_min_refresh_interval: float = 10.0
    #: Timeout for each request to an OIDC issuer, in seconds.
    issuer_timeout: float = 10.0
    #: Clock skew tolerated on ``exp``/``nbf``/``iat``.
    token_leeway: timedelta = timedelta(seconds=60)
    #: Leaf validity: exactly 10 minutes, as Fulcio (ca-tsa-oidc-tuf.md §0 item 3).
    certificate_validity: timedelta = timedelta(minutes=10)
    #: Worker processes for token/CSR verification and certificate signing (0: in the
    #: event loop). The CLI defaults to one fewer than the cores, at least one.
    workers: int = 0
    #: Request body limit (Fulcio's ``maxMsgSize = 1 << 22``, §1.1).
    max_request_bytes: int = 4 << 20
