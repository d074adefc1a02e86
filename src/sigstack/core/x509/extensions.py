"""Fulcio's Sigstore OID extensions: encoding and decoding (ca-tsa-oidc-tuf.md §3).

* ``.1.1``–``.1.6`` (deprecated): extnValue = the **raw** UTF-8 bytes of the value, not DER-wrapped.
  sigstore-python and SPIRE read the issuer from ``.1.1`` only, so it stays (§12 item 1).
* ``.1.8``–``.1.24``: extnValue = DER UTF8String (``0C len bytes``); trailing bytes rejected.
* ``.1.7`` is not an extension (an OtherName in the SAN) and is refused here.

All are non-critical and rendered in OID order (§3 "Render order"); empty values are skipped, as
Fulcio's ``Extensions.Render`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509

from sigstack.core.x509.der import TAG_UTF8STRING, decode_tlv, utf8string
from sigstack.core.x509.oids import FULCIO_EXTENSIONS, FULCIO_USERNAME_SAN, oid_sort_key
from sigstack.errors import FormatError

__all__ = ["decode_fulcio_extension", "decode_fulcio_extensions", "encode_fulcio_extensions"]


def encode_fulcio_extensions(values: Mapping[str, str]) -> list[x509.UnrecognizedExtension]:
    """Dotted OID → value, to extensions sorted by OID (§3). Unknown OIDs raise ``FormatError``."""
    out: list[x509.UnrecognizedExtension] = []
    for dotted in sorted(values, key=_sort_key):
        value = values[dotted]
        spec = FULCIO_EXTENSIONS.get(dotted)
        if spec is None:
            why = (
                "is the username OtherName: put it in the SAN (san_type='othername')"
                if dotted == FULCIO_USERNAME_SAN.dotted_string
                else "is not a Fulcio extension OID (1.3.6.1.4.1.57264.1.1-.1.24, §3)"
            )
            raise FormatError(f"{dotted} {why}", field=f"extensions.{dotted}")
        if not isinstance(value, str):
            raise FormatError("value must be a string", field=f"extensions.{dotted}")
        if not value:
            continue
        der = value.encode() if spec.raw else utf8string(value)
        out.append(x509.UnrecognizedExtension(spec.oid, der))
    return out


def decode_fulcio_extension(oid: x509.ObjectIdentifier, extn_value: bytes) -> str:
    """The string carried by one Fulcio extension's extnValue, per its encoding (§3)."""
    dotted = oid.dotted_string
    spec = FULCIO_EXTENSIONS.get(dotted)
    if spec is None:
        raise FormatError(f"{dotted} is not a Fulcio extension OID", field=f"extensions.{dotted}")
    return _decode_value(dotted, spec.raw, extn_value)


#: ObjectIdentifier → (dotted OID, raw encoding?) for every Fulcio extension, so a
#: certificate's extensions are matched by OID without rendering each one's dotted string.
_BY_OID: dict[x509.ObjectIdentifier, tuple[str, bool]] = {
    spec.oid: (dotted, spec.raw) for dotted, spec in FULCIO_EXTENSIONS.items()
}


def _decode_value(dotted: str, raw: bool, extn_value: bytes) -> str:
    """:func:`decode_fulcio_extension` for a known OID; the field name is built on failure."""
    if raw:
        body = extn_value
    elif (
        len(extn_value) >= 2
        and extn_value[0] == TAG_UTF8STRING
        and extn_value[1] < 0x80
        and len(extn_value) == 2 + extn_value[1]
    ):
        body = extn_value[2:]  # a short-form UTF8String spanning the value: decode_tlv's result
    else:
        body = decode_tlv(TAG_UTF8STRING, extn_value, field=f"extensions.{dotted}")
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise FormatError("value is not UTF-8", field=f"extensions.{dotted}") from None


def decode_fulcio_extensions(cert: x509.Certificate) -> dict[str, str]:
    """Every known Fulcio extension of ``cert``, dotted OID → value.

    Other extensions, including Sigstore OIDs newer than this table (``.1.25`` onwards), are
    ignored: Fulcio adds OIDs over time and they are all non-critical.
    """
    out: dict[str, str] = {}
    for ext in _extensions(cert):
        known = _BY_OID.get(ext.oid)
        if known is not None:
            dotted, raw = known
            value = ext.value
            extn = value.value if isinstance(value, x509.UnrecognizedExtension) else b""
            out[dotted] = _decode_value(dotted, raw, extn)
    return out


def _extensions(cert: x509.Certificate) -> x509.Extensions:
    try:
        return cert.extensions
    except ValueError as e:  # cryptography refuses duplicate or malformed known extensions
        raise FormatError(f"unparsable certificate extensions: {e}", field="extensions") from None


def _sort_key(dotted: str) -> tuple[int, ...]:
    try:
        return oid_sort_key(dotted)
    except ValueError:
        raise FormatError(f"{dotted!r} is not a dotted OID", field=f"extensions.{dotted}") from None
