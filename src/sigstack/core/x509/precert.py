"""The precertificate TBS a CT log signs over (RFC 6962 §3.2; ca-tsa-oidc-tuf.md §6.2, §6.3 step 2).

``tbs_without_poison`` removes the poison extension from a precert's TBSCertificate and re-encodes
only the enclosing lengths, so every other byte is the CA's. cryptography's
``tbs_precertificate_bytes`` does the same but only on a certificate that already carries an SCT
list, so the CT side (which sees precerts) needs this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigstack.core.x509.certificate import tbs_without_extension

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["precert_tbs", "tbs_without_poison"]

_FIELD = "precert.tbsCertificate"

#: DER content of OID 1.3.6.1.4.1.11129.2.4.3 (11129 = 0xD6 0x79 in base 128).
_POISON = bytes.fromhex("2b06010401d679020403")


def tbs_without_poison(tbs: bytes) -> bytes:
    """DER TBSCertificate minus the CT poison extension; ``FormatError`` if it has none."""
    return tbs_without_extension(tbs, _POISON, name="CT poison", field=_FIELD)


def precert_tbs(precert: x509.Certificate) -> bytes:
    """The TBS a precert-type SCT signs: the precert's TBSCertificate without the poison."""
    return tbs_without_poison(precert.tbs_certificate_bytes)
