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
_FIELD = "precert.tbsCertificate"
_EXTENSIONS = 0xA3  # [3] EXPLICIT Extensions in TBSCertificate (RFC 5280 §4.1)


#: DER of OID 1.3.6.1.4.1.11129.2.4.3 (11129 = 0xD6 0x79 in base 128).
_POISON = bytes.fromhex("060a2b06010401d679020403")


def _child(tbs: bytes, pos: int, parent_end: int, tag: int | None = None) -> tuple[int, int]:
    """``(content_start, end)`` of the TLV at ``pos``, which must fit inside its parent."""
    got, start, end = read_tlv(tbs, pos, field=_FIELD)
    if end > parent_end or (tag is not None and got != tag):
        raise FormatError("malformed TBSCertificate", field=_FIELD)
    return start, end


def tbs_without_poison(tbs: bytes) -> bytes:
    """DER TBSCertificate minus the CT poison extension; ``FormatError`` if it has none."""
    start, end = _child(tbs, 0, len(tbs), _SEQUENCE)
    if end != len(tbs):
        raise FormatError("trailing bytes after the TBSCertificate", field=_FIELD)
    pos, last_start = start, -1
    while pos < end:  # walk to the last TBS field, which must be [3] extensions
        last_start = pos
        _, pos = _child(tbs, pos, end)
    if last_start < 0 or tbs[last_start] != _EXTENSIONS:
        raise FormatError("TBSCertificate has no extensions", field=_FIELD)
    seq_start, wrapper_end = _child(tbs, last_start, end, _EXTENSIONS)
    ext_start, ext_end = _child(tbs, seq_start, wrapper_end, _SEQUENCE)
    if ext_end != wrapper_end:
        raise FormatError("malformed TBSCertificate", field=_FIELD)
    kept, found, pos = bytearray(), False, ext_start
    while pos < ext_end:
        inner, nxt = _child(tbs, pos, ext_end, _SEQUENCE)
        _, oid_end = _child(tbs, inner, nxt, _OID)
        if tbs[inner:oid_end] == _POISON:
            found = True
        else:
            kept += tbs[pos:nxt]
        pos = nxt
    if not found:
        raise FormatError("TBSCertificate has no CT poison extension", field=_FIELD)
    body = tbs[start:last_start]
    if kept:  # RFC 5280: Extensions is SIZE (1..MAX); drop [3] entirely if nothing is left
        body += encode_tlv(_EXTENSIONS, encode_tlv(_SEQUENCE, bytes(kept)))
    return encode_tlv(_SEQUENCE, body)


def precert_tbs(precert: x509.Certificate) -> bytes:
    """The TBS a precert-type SCT signs: the precert's TBSCertificate without the poison."""
    return tbs_without_poison(precert.tbs_certificate_bytes)
