"""The precertificate TBS a CT log signs over (RFC 6962 §3.2; ca-tsa-oidc-tuf.md §6.2, §6.3 step 2).

``tbs_without_poison`` removes the poison extension from a precert's TBSCertificate and re-encodes
only the enclosing lengths, so every other byte is the CA's. cryptography's
``tbs_precertificate_bytes`` does the same but only on a certificate that already carries an SCT
list, so the CT side (which sees precerts) needs this.
"""

from __future__ import annotations

from cryptography import x509

from sigstack.core.x509.der import encode_tlv, read_tlv
from sigstack.errors import FormatError

__all__ = ["precert_tbs", "tbs_without_poison"]

_SEQUENCE = 0x30
_OID = 0x06
_EXTENSIONS = 0xA3  # [3] EXPLICIT Extensions in TBSCertificate (RFC 5280 §4.1)


#: DER of OID 1.3.6.1.4.1.11129.2.4.3 (11129 = 0xD6 0x79 in base 128).
_POISON = bytes.fromhex("060a2b06010401d679020403")


def tbs_without_poison(tbs: bytes) -> bytes:
    """DER TBSCertificate minus the CT poison extension; ``FormatError`` if it has none."""
    field = "precert.tbsCertificate"
    tag, start, end = read_tlv(tbs, field=field)
    if tag != _SEQUENCE or end != len(tbs):
        raise FormatError("not a DER TBSCertificate", field=field)
    pos, last_start = start, -1
    while pos < end:  # walk to the last TBS field, which must be [3] extensions
        last_start = pos
        _, _, pos = read_tlv(tbs, pos, field=field)
    if last_start < 0 or tbs[last_start] != _EXTENSIONS:
        raise FormatError("TBSCertificate has no extensions", field=field)
    _, seq_start, _ = read_tlv(tbs, last_start, field=field)
    _, ext_start, ext_end = read_tlv(tbs, seq_start, field=field)
    kept, found, pos = bytearray(), False, ext_start
    while pos < ext_end:
        _, inner, nxt = read_tlv(tbs, pos, field=field)
        _, _, oid_end = read_tlv(tbs, inner, field=field)
        if tbs[inner:oid_end] == _POISON:
            found = True
        else:
            kept += tbs[pos:nxt]
        pos = nxt
    if not found:
        raise FormatError("TBSCertificate has no CT poison extension", field=field)
    body = tbs[start:last_start]
    if kept:  # RFC 5280: Extensions is SIZE (1..MAX); drop [3] entirely if nothing is left
        body += encode_tlv(_EXTENSIONS, encode_tlv(_SEQUENCE, bytes(kept)))
    return encode_tlv(_SEQUENCE, body)


def precert_tbs(precert: x509.Certificate) -> bytes:
    """The TBS a precert-type SCT signs: the precert's TBSCertificate without the poison."""
    return tbs_without_poison(precert.tbs_certificate_bytes)
