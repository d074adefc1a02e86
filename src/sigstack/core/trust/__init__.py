"""Sigstore trust material: TrustedRoot v0.1, SigningConfig v0.2, ClientTrustConfig v0.1.

``model`` holds the values and renders them as protobuf-specs JSON exactly as
sigstore-python 4.5.1 parses it (sigstore-clients.md §2); ``build`` makes entries
from keys and chains, applying the log-ID and chain-order rules (§2.3–§2.5, §6.5) —
import it from :mod:`sigstack.core.trust.build` (the servers need it; clients that only
read trust material don't pay for its imports).
"""

from sigstack.core.trust.model import (
    CLIENT_TRUST_CONFIG_MEDIA_TYPE,
    SIGNING_CONFIG_MEDIA_TYPE,
    TRUSTED_ROOT_MEDIA_TYPE,
    CertificateAuthority,
    ClientTrustConfig,
    Service,
    ServiceConfig,
    SigningConfig,
    TransparencyLogInstance,
    TrustedRoot,
    ValidFor,
    render,
    rfc3339,
)

__all__ = [
    "CLIENT_TRUST_CONFIG_MEDIA_TYPE",
    "SIGNING_CONFIG_MEDIA_TYPE",
    "TRUSTED_ROOT_MEDIA_TYPE",
    "CertificateAuthority",
    "ClientTrustConfig",
    "Service",
    "ServiceConfig",
    "SigningConfig",
    "TransparencyLogInstance",
    "TrustedRoot",
    "ValidFor",
    "render",
    "rfc3339",
]
