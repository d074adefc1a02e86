"""RFC 3161 ``TimeStampResp`` and its CMS ``SignedData`` token.

Only what timestamp verification needs is decoded, and only DER is accepted (ITU-T X.690
§10: definite, shortest lengths; low tag numbers; no bytes after the outermost value).
Structures (ASN.1 from the RFCs):

* RFC 3161 §2.4.2: ``TimeStampResp ::= SEQUENCE { status PKIStatusInfo,
  timeStampToken TimeStampToken OPTIONAL }``; ``PKIStatusInfo ::= SEQUENCE { status
  PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }``;
  ``TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime,
  accuracy OPTIONAL, ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL,
  extensions [1] IMPLICIT OPTIONAL }``.
* RFC 5652 §3 ``ContentInfo``, §5.1 ``SignedData``, §5.2 ``EncapsulatedContentInfo``,
  §5.3 ``SignerInfo`` (``signedAttrs [0] IMPLICIT SET OF Attribute``).
* RFC 2634 §5.4 ``SigningCertificate``/``ESSCertID`` and RFC 5035 §3 / RFC 5816 §2.2.1
  ``SigningCertificateV2``/``ESSCertIDv2`` (``hashAlgorithm`` DEFAULT SHA-256).

Every malformed input raises :class:`TimestampFormatError` naming what was expected and
what was found; the generic DER reading is :mod:`.der`. Parsing is separate from
verification (:mod:`.verify`). The decoded records are immutable ``NamedTuple`` records (a set of
them is built per timestamp verified, and they build several times faster than frozen
dataclasses).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from sigstack.core.tsp.der import (
    BIT_STRING,
    BOOLEAN,
    GENERALIZED_TIME,
    INTEGER,
    SEQUENCE,
    SET,
    UTF8_STRING,
    Cursor,
    TimestampFormatError,
    check_set_order,
    decode_oid,
    encode_oid,
)

__all__ = [
    "Cursor",
    "EssCertId",
    "MessageImprint",
    "SignerInfo",
    "TimeStampResponse",
    "TimestampFormatError",
    "TstInfo",
    "check_set_order",
    "decode_oid",
    "encode_oid",
    "parse_response",
]


class MessageImprint(NamedTuple):
    """RFC 3161 §2.4.1 ``MessageImprint``: hash algorithm (dotted OID) and the hash."""

    hash_algorithm: str
    message: bytes


class TstInfo(NamedTuple):
    """RFC 3161 §2.4.2 ``TSTInfo``, the fields verification reads; ``der`` is the eContent."""

    version: int
    policy: str
    message_imprint: MessageImprint
    serial_number: int
    gen_time: datetime
    nonce: int | None
    der: bytes


class EssCertId(NamedTuple):
    """One ``ESSCertID``/``ESSCertIDv2``: hash algorithm (dotted), hash, issuerSerial DERs."""

    hash_algorithm: str
    cert_hash: bytes
    issuer_names: tuple[bytes, ...] | None  # directoryName Name TLVs, when issuerSerial
    serial_number: int | None


class SignerInfo(NamedTuple):
    """RFC 5652 §5.3 ``SignerInfo``, decoded for verification.

    ``sid_issuer`` is the issuer Name TLV and ``sid_serial`` the serial of an
    issuerAndSerialNumber sid; ``sid_key_id`` is set for a subjectKeyIdentifier sid.
    ``signed_attrs`` is the ``[0]`` TLV as carried; the signature covers it re-tagged
    as ``SET OF`` (§5.4). ``attributes`` maps each attribute type (dotted) to its values.
    """

    version: int
    sid_issuer: bytes | None
    sid_serial: int | None
    sid_key_id: bytes | None
    digest_algorithm: str
    signed_attrs: bytes | None
    attributes: dict[str, tuple[bytes, ...]]
    signature_algorithm: str
    signature_parameters: bytes | None
    signature: bytes

    def signed_bytes(self) -> bytes:
        """The DER the signature covers: the signed attributes with the SET OF tag (§5.4)."""
        if self.signed_attrs is None:
            raise TimestampFormatError("expected signed attributes, found none")
        return b"\x31" + self.signed_attrs[1:]


class TimeStampResponse(NamedTuple):
    """A decoded ``TimeStampResp``: status, and the token's parts when granted."""

    status: int
    status_text: str
    content_type: str | None
    version: int | None  # SignedData version
    digest_algorithms: tuple[str, ...]
    econtent_type: str | None
    certificates: tuple[bytes, ...]
    signer_infos: tuple[SignerInfo, ...]
    tst_info: TstInfo | None


_ID_SIGNED_DATA = encode_oid("1.2.840.113549.1.7.2")


def _status_text(cursor: Cursor) -> str:
    """PKIFreeText ::= SEQUENCE OF UTF8String, joined (only for messages)."""
    parts: list[str] = []
    while cursor.pos < cursor.end:
        begin, stop = cursor.expect(UTF8_STRING, "a PKIFreeText UTF8String")
        parts.append(cursor.buf[begin:stop].decode("utf-8", "replace"))
    return "; ".join(parts)


def _gen_time(cursor: Cursor) -> datetime:
    """GeneralizedTime ``YYYYMMDDHHMMSS[.f+]Z`` (RFC 3161 §2.4.2: UTC, no trailing zeros)."""
    begin, stop = cursor.expect(GENERALIZED_TIME, "genTime GeneralizedTime")
    text = cursor.buf[begin:stop].decode("ascii", "replace")
    body, fraction = text[:-1], ""
    if "." in body:
        body, fraction = body.split(".", 1)
        if not fraction.isdigit() or fraction.endswith("0") or len(fraction) > 6:
            raise TimestampFormatError(
                f"expected genTime fractions without trailing zeros, found {text!r}"
            )
    if not text.endswith("Z") or len(body) != 14 or not body.isdigit():
        raise TimestampFormatError(f"expected genTime as YYYYMMDDHHMMSS[.f]Z, found {text!r}")
    try:
        value = datetime(
            int(body[:4]),
            int(body[4:6]),
            int(body[6:8]),
            int(body[8:10]),
            int(body[10:12]),
            int(body[12:14]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise TimestampFormatError(f"expected a valid genTime, found {text!r}") from exc
    if fraction:
        value = value.replace(microsecond=int(fraction.ljust(6, "0")))
    return value


def _tst_info(der: bytes) -> TstInfo:
    top = Cursor(der, 0, len(der))
    info = top.sub(SEQUENCE, "TSTInfo")
    top.done("the eContent")
    version = info.integer("TSTInfo version")
    policy = decode_oid(info.oid("TSTInfo policy"))
    imprint = info.sub(SEQUENCE, "messageImprint")
    hash_oid = imprint.digest_algorithm("messageImprint hashAlgorithm")
    hashed = imprint.octets("messageImprint hashedMessage")
    imprint.done("messageImprint")
    serial = info.integer("TSTInfo serialNumber")
    gen_time = _gen_time(info)
    info.optional(SEQUENCE)  # accuracy
    ordering = info.optional(BOOLEAN)
    if ordering is not None and der[ordering[0] : ordering[1]] != b"\xff":
        # DER omits a DEFAULT FALSE (X.690 §11.5); TRUE is 0xFF (§11.1)
        raise TimestampFormatError("expected ordering absent or TRUE (0xff) in DER")
    nonce = info.integer("TSTInfo nonce") if info.peek() == INTEGER else None
    info.optional(0xA0)  # tsa [0] GeneralName
    info.optional(0xA1)  # extensions [1]
    info.done("TSTInfo")
    return TstInfo(
        version=version,
        policy=policy,
        message_imprint=MessageImprint(hash_oid, hashed),
        serial_number=serial,
        gen_time=gen_time,
        nonce=nonce,
        der=der,
    )


@lru_cache(maxsize=64)
def _attribute_names(kind: str) -> tuple[str, str, str]:
    """How messages name the parts of attribute ``kind`` (formatted once per type)."""
    return f"the values of attribute {kind}", f"attribute {kind}", f"a value of attribute {kind}"


def _attributes(buf: bytes, begin: int, end: int) -> dict[str, tuple[bytes, ...]]:
    """SET OF Attribute (RFC 5652 §5.3); a type may appear only once (§11 for ours)."""
    cursor = Cursor(buf, begin, end)
    out: dict[str, tuple[bytes, ...]] = {}
    encodings: list[bytes] = []
    while cursor.pos < cursor.end:
        start = cursor.pos
        attr = cursor.sub(SEQUENCE, "an Attribute")
        encodings.append(buf[start : cursor.pos])
        kind = decode_oid(attr.oid("an Attribute type"))
        names = _attribute_names(kind)
        values = attr.sub(SET, names[0])
        if attr.pos != attr.end:
            attr.done(names[1])
        items: list[bytes] = []
        while values.pos < values.end:
            start = values.pos
            values.header(names[2])
            items.append(buf[start : values.pos])
        if kind in out:
            raise TimestampFormatError(f"expected attribute {kind} once, found it twice")
        if len(items) > 1:
            check_set_order(items, names[0])
        out[kind] = tuple(items)
    check_set_order(encodings, "the signed attributes")
    return out


def _signer_info(cursor: Cursor) -> SignerInfo:
    info = cursor.sub(SEQUENCE, "a SignerInfo")
    version = info.integer("SignerInfo version")
    issuer: bytes | None = None
    serial: int | None = None
    key_id: bytes | None = None
    if info.peek() == SEQUENCE:
        sid = info.sub(SEQUENCE, "sid issuerAndSerialNumber")
        issuer = sid.element(SEQUENCE, "sid issuer Name")
        serial = sid.integer("sid serialNumber")
        sid.done("issuerAndSerialNumber")
    else:
        begin, stop = info.expect(0x80, "sid issuerAndSerialNumber or [0] subjectKeyIdentifier")
        key_id = info.buf[begin:stop]
    digest_oid = info.digest_algorithm("SignerInfo digestAlgorithm")
    signed_attrs: bytes | None = None
    attributes: dict[str, tuple[bytes, ...]] = {}
    if info.peek() == 0xA0:
        start = info.pos
        begin, stop = info.expect(0xA0, "signedAttrs")
        signed_attrs = info.buf[start:stop]
        attributes = _attributes(info.buf, begin, stop)
    sig_oid, sig_params = info.algorithm("SignerInfo signatureAlgorithm")
    signature = info.octets("SignerInfo signature")
    info.optional(0xA1)  # unsignedAttrs
    info.done("SignerInfo")
    return SignerInfo(
        version=version,
        sid_issuer=issuer,
        sid_serial=serial,
        sid_key_id=key_id,
        digest_algorithm=digest_oid,
        signed_attrs=signed_attrs,
        attributes=attributes,
        signature_algorithm=decode_oid(sig_oid),
        signature_parameters=sig_params,
        signature=signature,
    )


def _digest_algorithms(signed: Cursor) -> tuple[str, ...]:
    algorithms = signed.sub(SET, "SignedData digestAlgorithms")
    found: list[str] = []
    encodings: list[bytes] = []
    while algorithms.pos < algorithms.end:
        start = algorithms.pos
        found.append(algorithms.digest_algorithm("a digestAlgorithm"))
        encodings.append(algorithms.buf[start : algorithms.pos])
    check_set_order(encodings, "digestAlgorithms")
    return tuple(found)


def _certificates(signed: Cursor) -> tuple[bytes, ...]:
    cert_range = signed.optional(0xA0)
    if cert_range is None:
        return ()
    certs = Cursor(signed.buf, *cert_range)
    found: list[bytes] = []
    while certs.pos < certs.end:
        found.append(certs.element(SEQUENCE, "a Certificate"))
    check_set_order(found, "the certificates")
    return tuple(found)


def _signer_infos(signed: Cursor) -> tuple[SignerInfo, ...]:
    infos = signed.sub(SET, "SignedData signerInfos")
    found: list[SignerInfo] = []
    encodings: list[bytes] = []
    while infos.pos < infos.end:
        start = infos.pos
        found.append(_signer_info(infos))
        encodings.append(infos.buf[start : infos.pos])
    check_set_order(encodings, "signerInfos")
    return tuple(found)


def _token(resp: Cursor, status: int, text: str) -> TimeStampResponse:
    """ContentInfo (RFC 5652 §3) holding SignedData (§5.1) over a TSTInfo."""
    token = resp.sub(SEQUENCE, "timeStampToken ContentInfo")
    content_type = token.oid("ContentInfo contentType")
    if content_type != _ID_SIGNED_DATA:
        raise TimestampFormatError(
            f"expected the token to be id-signedData, found {decode_oid(content_type)}"
        )
    explicit = token.sub(0xA0, "ContentInfo [0] content")
    token.done("ContentInfo")
    signed = explicit.sub(SEQUENCE, "SignedData")
    explicit.done("ContentInfo content")
    version = signed.integer("SignedData version")
    digest_algorithms = _digest_algorithms(signed)
    encap = signed.sub(SEQUENCE, "encapContentInfo")
    econtent_type = decode_oid(encap.oid("eContentType"))
    wrapper = encap.sub(0xA0, "eContent [0]")
    encap.done("encapContentInfo")
    econtent = wrapper.octets("eContent OCTET STRING")
    wrapper.done("eContent")
    certificates = _certificates(signed)
    if signed.peek() == 0xA1:
        raise TimestampFormatError("expected no crls in the timestamp token, found some")
    signer_infos = _signer_infos(signed)
    signed.done("SignedData")
    return TimeStampResponse(
        status=status,
        status_text=text,
        content_type=decode_oid(content_type),
        version=version,
        digest_algorithms=digest_algorithms,
        econtent_type=econtent_type,
        certificates=certificates,
        signer_infos=signer_infos,
        tst_info=_tst_info(econtent),
    )


def parse_response(data: bytes) -> TimeStampResponse:
    """Decode a DER ``TimeStampResp`` (RFC 3161 §2.4.2) and its SignedData token."""
    top = Cursor(data, 0, len(data))
    resp = top.sub(SEQUENCE, "TimeStampResp")
    top.done("TimeStampResp")
    status_info = resp.sub(SEQUENCE, "PKIStatusInfo")
    status = status_info.integer("PKIStatus")
    text = ""
    if status_info.peek() == SEQUENCE:
        text = _status_text(status_info.sub(SEQUENCE, "statusString"))
    status_info.optional(BIT_STRING)  # failInfo
    status_info.done("PKIStatusInfo")
    if resp.pos == resp.end:
        return TimeStampResponse(status, text, None, None, (), None, (), (), None)
    decoded = _token(resp, status, text)
    resp.done("TimeStampResp")
    return decoded


def parse_ess_cert_ids(value: bytes, *, v2: bool) -> tuple[EssCertId, ...]:
    """``SigningCertificate`` (RFC 2634 §5.4) or ``SigningCertificateV2`` (RFC 5035 §3)."""
    name = "SigningCertificateV2" if v2 else "SigningCertificate"
    top = Cursor(value, 0, len(value))
    outer = top.sub(SEQUENCE, name)
    top.done(name)
    certs = outer.sub(SEQUENCE, f"{name} certs")
    outer.optional(SEQUENCE)  # policies
    outer.done(name)
    out: list[EssCertId] = []
    while certs.pos < certs.end:
        item = certs.sub(SEQUENCE, "an ESSCertID")
        algorithm = "1.3.14.3.2.26"  # ESSCertID: SHA-1 (RFC 2634 §5.4.1)
        if v2:
            algorithm = "2.16.840.1.101.3.4.2.1"  # DEFAULT id-sha256 (RFC 5035 §4)
            if item.peek() == SEQUENCE:
                algorithm = item.digest_algorithm("ESSCertIDv2 hashAlgorithm")
        cert_hash = item.octets("ESSCertID certHash")
        names: tuple[bytes, ...] | None = None
        serial: int | None = None
        if item.peek() == SEQUENCE:
            issuer_serial = item.sub(SEQUENCE, "ESSCertID issuerSerial")
            general = issuer_serial.sub(SEQUENCE, "issuerSerial GeneralNames")
            found: list[bytes] = []
            while general.pos < general.end:
                tag, begin, stop = general.header("a GeneralName")
                if tag == 0xA4:  # directoryName [4] EXPLICIT Name
                    found.append(value[begin:stop])
            names = tuple(found)
            serial = issuer_serial.integer("issuerSerial serialNumber")
            issuer_serial.done("IssuerSerial")
        item.done("ESSCertID")
        out.append(EssCertId(algorithm, cert_hash, names, serial))
    return tuple(out)
