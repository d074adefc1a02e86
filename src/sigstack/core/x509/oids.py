"""Object identifiers of the Sigstore code-signing profile, in one table.

Fulcio's extensions live under the Sigstore private enterprise number arc 1.3.6.1.4.1.57264
(ca-tsa-oidc-tuf.md §3, Fulcio ``docs/oid-info.md``); the certificate-transparency OIDs come from
RFC 6962 §3.1 (§2.3, §6.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from cryptography.x509 import ObjectIdentifier

__all__ = [
    "CT_PRECERT_POISON",
    "CT_PRECERT_SIGNING_CERT",
    "CT_SCT_LIST",
    "FULCIO_EXTENSIONS",
    "FULCIO_ISSUER_V1",
    "FULCIO_ISSUER_V2",
    "FULCIO_TOKEN_SUBJECT",
    "FULCIO_USERNAME_SAN",
    "SIGSTORE_ARC",
    "TSA_POLICY",
    "FulcioOID",
    "oid_sort_key",
]

#: Sigstore PEN arc (§3): ``.1.x`` Fulcio, ``.2`` TSA policy, ``.3`` Rekor.
SIGSTORE_ARC = "1.3.6.1.4.1.57264"


class FulcioOID(NamedTuple):
    """One Fulcio extension: its OID, its name in ``docs/oid-info.md``, and its encoding (§3)."""

    oid: ObjectIdentifier
    name: str
    #: True: extnValue is the raw UTF-8 bytes (deprecated .1.1-.1.6); False: DER UTF8String
    raw: bool


def _fulcio(n: int, name: str) -> FulcioOID:
    return FulcioOID(ObjectIdentifier(f"{SIGSTORE_ARC}.1.{n}"), name, n <= 6)


#: Every Fulcio certificate extension (§3), keyed by dotted OID, in render order.
#: ``.1.7`` is absent on purpose: it is an OtherName inside the SAN, not an extension.
FULCIO_EXTENSIONS: Mapping[str, FulcioOID] = MappingProxyType(
    {
        f.oid.dotted_string: f
        for f in (
            _fulcio(1, "Issuer (V1, deprecated)"),
            _fulcio(2, "GitHub Workflow Trigger (deprecated)"),
            _fulcio(3, "GitHub Workflow SHA (deprecated)"),
            _fulcio(4, "GitHub Workflow Name (deprecated)"),
            _fulcio(5, "GitHub Workflow Repository (deprecated)"),
            _fulcio(6, "GitHub Workflow Ref (deprecated)"),
            _fulcio(8, "Issuer (V2)"),
            _fulcio(9, "Build Signer URI"),
            _fulcio(10, "Build Signer Digest"),
            _fulcio(11, "Runner Environment"),
            _fulcio(12, "Source Repository URI"),
            _fulcio(13, "Source Repository Digest"),
            _fulcio(14, "Source Repository Ref"),
            _fulcio(15, "Source Repository Identifier"),
            _fulcio(16, "Source Repository Owner URI"),
            _fulcio(17, "Source Repository Owner Identifier"),
            _fulcio(18, "Build Config URI"),
            _fulcio(19, "Build Config Digest"),
            _fulcio(20, "Build Trigger"),
            _fulcio(21, "Run Invocation URI"),
            _fulcio(22, "Source Repository Visibility At Signing"),
            _fulcio(23, "Deployment Environment"),
            _fulcio(24, "Token Subject"),
        )
    }
)

FULCIO_ISSUER_V1 = ObjectIdentifier(f"{SIGSTORE_ARC}.1.1")
FULCIO_USERNAME_SAN = ObjectIdentifier(f"{SIGSTORE_ARC}.1.7")  # OtherName type-id in the SAN
FULCIO_ISSUER_V2 = ObjectIdentifier(f"{SIGSTORE_ARC}.1.8")
FULCIO_TOKEN_SUBJECT = ObjectIdentifier(f"{SIGSTORE_ARC}.1.24")
TSA_POLICY = ObjectIdentifier(f"{SIGSTORE_ARC}.2")

#: RFC 6962 §3.3: embedded SignedCertificateTimestampList (non-critical, last in the final cert).
CT_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
#: RFC 6962 §3.1: precertificate poison (critical, value DER NULL ``05 00``).
CT_PRECERT_POISON = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3")
#: RFC 6962 §3.1: EKU of a precertificate signing certificate (we do not use one).
CT_PRECERT_SIGNING_CERT = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.4")


def oid_sort_key(dotted: str) -> tuple[int, ...]:
    """Numeric sort key of a dotted OID: ``.1.8`` sorts before ``.1.10`` (§3 render order)."""
    return tuple(int(arc) for arc in dotted.split("."))
