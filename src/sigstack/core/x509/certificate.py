"""A strict reader of DER X.509 certificates, for the fields a signer checks (RFC 5280 §4.1).

:func:`read_certificate` splits a certificate into its TBSCertificate, SubjectPublicKeyInfo,
validity and extensions, without ``cryptography.x509`` (whose import alone costs a
short-lived ``sigstack sign-blob`` ~60 ms, docs/benchmarks.md). It checks structure, not
trust: no signature or path is verified here (the verifier does that with cryptography's
path validation). :func:`tbs_without_extension` gives the TBSCertificate with one extension
removed and only the enclosing lengths re-encoded, every other byte the CA's — the
precertificate TBS an SCT signs (RFC 6962 §3.2).

Strict as Go's ``encoding/asn1`` and cryptography are: minimal DER lengths, no trailing
bytes, the TBS fields in RFC 5280's order, one extension per OID, ``critical`` never an
explicit DEFAULT FALSE, times as UTCTime (years 1950–2049) or GeneralizedTime in ``Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from sigstack.core.x509.der import encode_tlv, read_tlv
from sigstack.errors import FormatError

__all__ = ["Certificate", "Extension", "read_certificate", "tbs_without_extension"]

_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING, _OID, _BOOLEAN = 0x30, 0x02, 0x03, 0x04, 0x06, 0x01
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18
_VERSION, _ISSUER_UID, _SUBJECT_UID, _EXTENSIONS = 0xA0, 0x81, 0x82, 0xA3


class Extension(NamedTuple):
    """One ``Extension`` (RFC 5280 §4.1): ``oid`` is the DER content of its OBJECT IDENTIFIER."""

    oid: bytes
    critical: bool
    value: bytes  # the contents of extnValue's OCTET STRING


class Certificate(NamedTuple):
    """The parts of one certificate a signer reads; every ``bytes`` is the CA's own DER."""

    der: bytes
    tbs: bytes  # the whole TBSCertificate TLV: what the issuer signed
    issuer: bytes  # Name TLV
    subject: bytes  # Name TLV
    spki: bytes  # SubjectPublicKeyInfo TLV
    not_before: datetime
    not_after: datetime
    extensions: tuple[Extension, ...]

    def extension(self, oid: bytes) -> Extension | None:
        """The extension with this OID (DER content bytes), if present."""
        for ext in self.extensions:
            if ext.oid == oid:
                return ext
        return None


def _tlv(data: bytes, pos: int, end: int, tag: int, field: str) -> tuple[int, int]:
    """``(content_start, content_end)`` of the TLV at ``pos`` with ``tag``, inside ``end``."""
    got, start, stop = read_tlv(data, pos, field=field)
    if got != tag:
        raise FormatError(f"expected DER tag 0x{tag:02x}, found 0x{got:02x}", field=field)
    if stop > end:
        raise FormatError("DER value overruns its enclosing structure", field=field)
    return start, stop


def _time(data: bytes, pos: int, end: int, field: str) -> tuple[datetime, int]:
    tag, start, stop = read_tlv(data, pos, field=field)
    if stop > end:
        raise FormatError("DER value overruns its enclosing structure", field=field)
    text = data[start:stop].decode("ascii", errors="replace")
    if tag == _UTC_TIME and len(text) == 13:
        digits, year_digits = text[:-1], 2
    elif tag == _GENERALIZED_TIME and len(text) == 15:
        digits, year_digits = text[:-1], 4
    else:
        raise FormatError(
            f"expected UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 "
            f"§4.1.2.5), found tag 0x{tag:02x} {text!r}",
            field=field,
        )
    if not (text.endswith("Z") and digits.isdigit() and digits.isascii()):
        raise FormatError(f"expected a time in UTC ending in Z, found {text!r}", field=field)
    year = int(digits[:year_digits])
    if year_digits == 2:
        year += 1900 if year >= 50 else 2000
    rest = digits[year_digits:]
    try:
        moment = datetime(
            year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]),
            int(rest[8:10]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError as exc:
        raise FormatError(f"expected a calendar time, found {text!r}: {exc}", field=field) from exc
    return moment, stop


def _extensions(data: bytes, pos: int, end: int) -> tuple[Extension, ...]:
    field = "tbsCertificate.extensions"
    seq_start, seq_end = _tlv(data, pos, end, _SEQUENCE, field)
    if seq_end != end:
        raise FormatError("trailing bytes after the extensions", field=field)
    found: list[Extension] = []
    seen: set[bytes] = set()
    pos = seq_start
    while pos < seq_end:
        start, stop = _tlv(data, pos, seq_end, _SEQUENCE, field)
        oid_start, cursor = _tlv(data, start, stop, _OID, field)
        oid = data[oid_start:cursor]
        critical = False
        if data[cursor] == _BOOLEAN:
            bool_start, cursor = _tlv(data, cursor, stop, _BOOLEAN, field)
            if data[bool_start:cursor] != b"\xff":  # DER: DEFAULT FALSE is never encoded
                raise FormatError("expected critical TRUE (0xff) or absent", field=field)
            critical = True
        value_start, cursor = _tlv(data, cursor, stop, _OCTET_STRING, field)
        if cursor != stop:
            raise FormatError("trailing bytes inside an extension", field=field)
        if oid in seen:
            raise FormatError(f"extension {oid.hex()} appears twice (RFC 5280 §4.2)", field=field)
        seen.add(oid)
        found.append(Extension(oid, critical, data[value_start:cursor]))
        pos = stop
    if not found:
        raise FormatError("expected at least one extension in [3]", field=field)
    return tuple(found)


def read_certificate(der: bytes, *, field: str = "certificate") -> Certificate:
    """The certificate ``der`` split into its parts; :class:`FormatError` naming what is wrong."""
    start, end = _tlv(der, 0, len(der), _SEQUENCE, field)
    if end != len(der):
        raise FormatError("trailing bytes after the certificate", field=field)
    tbs_start, tbs_end = _tlv(der, start, end, _SEQUENCE, f"{field}.tbsCertificate")
    _, alg_end = _tlv(der, tbs_end, end, _SEQUENCE, f"{field}.signatureAlgorithm")
    _, sig_end = _tlv(der, alg_end, end, _BIT_STRING, f"{field}.signatureValue")
    if sig_end != end:
        raise FormatError("trailing bytes after the signature", field=field)
    tbs_field = f"{field}.tbsCertificate"
    pos = tbs_start
    if der[pos] == _VERSION:
        _, pos = _tlv(der, pos, tbs_end, _VERSION, f"{tbs_field}.version")
    _, pos = _tlv(der, pos, tbs_end, _INTEGER, f"{tbs_field}.serialNumber")
    _, pos = _tlv(der, pos, tbs_end, _SEQUENCE, f"{tbs_field}.signature")
    issuer_at = pos
    _, pos = _tlv(der, pos, tbs_end, _SEQUENCE, f"{tbs_field}.issuer")
    issuer = der[issuer_at:pos]
    validity_start, validity_end = _tlv(der, pos, tbs_end, _SEQUENCE, f"{tbs_field}.validity")
    not_before, cursor = _time(der, validity_start, validity_end, f"{tbs_field}.notBefore")
    not_after, cursor = _time(der, cursor, validity_end, f"{tbs_field}.notAfter")
    if cursor != validity_end:
        raise FormatError("trailing bytes inside the validity", field=f"{tbs_field}.validity")
    subject_at = validity_end
    _, pos = _tlv(der, subject_at, tbs_end, _SEQUENCE, f"{tbs_field}.subject")
    subject = der[subject_at:pos]
    spki_at = pos
    _, pos = _tlv(der, spki_at, tbs_end, _SEQUENCE, f"{tbs_field}.subjectPublicKeyInfo")
    spki = der[spki_at:pos]
    for optional in (_ISSUER_UID, _SUBJECT_UID):
        if pos < tbs_end and der[pos] == optional:
            _, pos = _tlv(der, pos, tbs_end, optional, tbs_field)
    extensions: tuple[Extension, ...] = ()
    if pos < tbs_end:
        ext_start, pos = _tlv(der, pos, tbs_end, _EXTENSIONS, f"{tbs_field}.extensions")
        extensions = _extensions(der, ext_start, pos)
    if pos != tbs_end:
        raise FormatError("unexpected fields at the end of the TBSCertificate", field=tbs_field)
    return Certificate(
        der=der,
        tbs=der[start:tbs_end],
        issuer=issuer,
        subject=subject,
        spki=spki,
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
    )


def tbs_without_extension(
    tbs: bytes, oid: bytes, *, name: str, field: str = "tbsCertificate"
) -> bytes:
    """DER TBSCertificate ``tbs`` minus the extension ``oid`` (DER content bytes); only the
    enclosing lengths change. :class:`FormatError` if the extension (``name``) is not there.

    When it was the only extension, ``[3]`` goes too (RFC 5280: Extensions is SIZE (1..MAX)).
    """
    start, end = _tlv(tbs, 0, len(tbs), _SEQUENCE, field)
    if end != len(tbs):
        raise FormatError("trailing bytes after the TBSCertificate", field=field)
    pos, last_start = start, -1
    while pos < end:  # walk to the last TBS field, which must be [3] extensions
        last_start = pos
        _, _, stop = read_tlv(tbs, pos, field=field)
        if stop > end:
            raise FormatError("malformed TBSCertificate", field=field)
        pos = stop
    if last_start < 0 or tbs[last_start] != _EXTENSIONS:
        raise FormatError("TBSCertificate has no extensions", field=field)
    seq_start, wrapper_end = _tlv(tbs, last_start, end, _EXTENSIONS, field)
    ext_start, ext_end = _tlv(tbs, seq_start, wrapper_end, _SEQUENCE, field)
    if ext_end != wrapper_end:
        raise FormatError("malformed TBSCertificate", field=field)
    kept, found, pos = bytearray(), False, ext_start
    while pos < ext_end:
        inner, nxt = _tlv(tbs, pos, ext_end, _SEQUENCE, field)
        oid_start, oid_end = _tlv(tbs, inner, nxt, _OID, field)
        if tbs[oid_start:oid_end] == oid:
            found = True
        else:
            kept += tbs[pos:nxt]
        pos = nxt
    if not found:
        raise FormatError(f"TBSCertificate has no {name} extension", field=field)
    body = tbs[start:last_start]
    if kept:
        body += encode_tlv(_EXTENSIONS, encode_tlv(_SEQUENCE, bytes(kept)))
    return encode_tlv(_SEQUENCE, body)
