"""Leaf code-signing certificates as Fulcio issues them (ca-tsa-oidc-tuf.md §2.1, §6).

Three entry points, all pure (time and serial are parameters):

* ``build_precertificate``: the §2.1 leaf plus the critical CT poison as the **last** extension
  (RFC 6962 §3.1), to submit to ``/ct/v1/add-pre-chain``.
* ``finalize_certificate``: §6.3 step 4: the same TBS with the poison replaced by the SCT-list
  extension, appended last, re-signed; checked so that ``final.tbs_precertificate_bytes`` equals
  the precert's (what sigstore-python verifies the SCT over, sigstore-clients.md §4.4).
* ``build_certificate``: the leaf without CT (detached-SCT / no-log case).

Leaf keys: ECDSA P-256/P-384 or RSA ≥ 2048; Ed25519 refused (see ``algorithms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstack.core.x509.algorithms import IssuerKey, PublicKey, check_public_key, signature_hash
from sigstack.core.x509.ca import authority_key_identifier
from sigstack.core.x509.der import TAG_OCTET_STRING, encode_tlv, utf8string
from sigstack.core.x509.extensions import encode_fulcio_extensions
from sigstack.core.x509.oids import (
    CT_PRECERT_POISON,
    CT_SCT_LIST,
    FULCIO_ISSUER_V1,
    FULCIO_ISSUER_V2,
    FULCIO_USERNAME_SAN,
)
from sigstack.core.x509.precert import precert_tbs
from sigstack.core.x509.sct_list import check_sct_list
from sigstack.core.x509.validity import check_within_issuer, window
from sigstack.errors import FormatError, VerificationError

__all__ = [
    "LEAF_KEY_USAGE",
    "LEAF_VALIDITY",
    "IssuerKey",
    "LeafRequest",
    "PublicKey",
    "SanType",
    "build_certificate",
    "build_precertificate",
    "finalize_certificate",
    "san_general_name",
]

SanType = Literal["email", "uri", "othername"]

#: Fulcio's certificate lifetime (§2.1).
LEAF_VALIDITY = timedelta(minutes=10)

#: digitalSignature only, critical (§2.1).
LEAF_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


@dataclass(frozen=True)
class LeafRequest:
    """What the CA certifies: a key, one identity (the SAN), and the Fulcio extensions (§3).

    ``extensions`` maps dotted OIDs (``"1.3.6.1.4.1.57264.1.8"``) to values; both issuer OIDs
    ``.1.1`` and ``.1.8`` are required and must be equal, as Fulcio always renders both from one
    issuer (§3, §12 item 1).
    """

    public_key: PublicKey
    san_type: SanType
    san_value: str
    extensions: Mapping[str, str] = field(default_factory=dict)


def san_general_name(san_type: str, san_value: str) -> x509.GeneralName:
    """The single SAN entry (§2.1, §3): rfc822Name, URI, or OtherName ``.1.7`` with a UTF8String."""
    if not san_value:
        raise FormatError("the SAN value must not be empty", field="san_value")
    if san_type == "email":
        if "@" not in san_value or not san_value.isascii():
            raise FormatError("not an ASCII email address", field="san_value")
        return x509.RFC822Name(san_value)
    if san_type == "uri":
        scheme, sep, _ = san_value.partition(":")
        if not sep or not scheme or not san_value.isascii():
            raise FormatError("not an absolute ASCII URI", field="san_value")
        return x509.UniformResourceIdentifier(san_value)
    if san_type == "othername":
        # [0] EXPLICIT UTF8String inside OtherName; cryptography adds the [0] wrapper (§7.1).
        return x509.OtherName(FULCIO_USERNAME_SAN, utf8string(san_value))
    raise FormatError(f"unknown SAN type {san_type!r}", field="san_type")


def _leaf_builder(
    req: LeafRequest,
    *,
    issuer: x509.Certificate,
    not_before: datetime,
    validity: timedelta,
    serial: int | None,
) -> x509.CertificateBuilder:
    """The §2.1 template, in Fulcio's extension order, without CT extensions."""
    public = check_public_key(req.public_key, field="public_key", role="leaf")
    san = san_general_name(req.san_type, req.san_value)
    issuer_v1 = req.extensions.get(FULCIO_ISSUER_V1.dotted_string)
    if not issuer_v1 or req.extensions.get(FULCIO_ISSUER_V2.dotted_string) != issuer_v1:
        raise FormatError(
            "extensions must have a non-empty issuer in both .1.1 and .1.8, equal (§3)",
            field="extensions",
        )
    fulcio = encode_fulcio_extensions(req.extensions)
    start, end = window(not_before, validity)
    check_within_issuer(end, issuer)
    if serial is None:
        serial = x509.random_serial_number()
    elif not 0 < serial < 1 << 159:  # positive and ≤ 20 octets (RFC 5280 §4.1.2.2)
        raise FormatError("serial must be positive and below 2**159", field="serial")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(issuer.subject)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(LEAF_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(authority_key_identifier(issuer), critical=False)
        # Critical because the subject is empty (RFC 5280 §4.2.1.6; Go does the same).
        .add_extension(x509.SubjectAlternativeName([san]), critical=True)
    )
    for ext in fulcio:
        builder = builder.add_extension(ext, critical=False)
    return builder


def build_precertificate(
    req: LeafRequest,
    *,
    issuer: x509.Certificate,
    issuer_key: IssuerKey,
    not_before: datetime,
    validity: timedelta = LEAF_VALIDITY,
    serial: int | None = None,
) -> x509.Certificate:
    """§6.3 step 1: the leaf with the critical poison (DER NULL) as its last extension."""
    hash_alg = signature_hash(issuer_key)
    builder = _leaf_builder(
        req, issuer=issuer, not_before=not_before, validity=validity, serial=serial
    )
    return builder.add_extension(x509.PrecertPoison(), critical=True).sign(issuer_key, hash_alg)


def build_certificate(
    req: LeafRequest,
    *,
    issuer: x509.Certificate,
    issuer_key: IssuerKey,
    not_before: datetime,
    validity: timedelta = LEAF_VALIDITY,
    serial: int | None = None,
) -> x509.Certificate:
    """The §2.1 leaf without CT extensions (detached SCT, or no CT log at all)."""
    hash_alg = signature_hash(issuer_key)
    builder = _leaf_builder(
        req, issuer=issuer, not_before=not_before, validity=validity, serial=serial
    )
    return builder.sign(issuer_key, hash_alg)


def finalize_certificate(
    precert: x509.Certificate,
    sct_list: bytes,
    *,
    issuer: x509.Certificate,
    issuer_key: IssuerKey,
) -> x509.Certificate:
    """§6.3 step 4: the precert's TBS with the poison replaced by the SCT list, re-signed.

    ``sct_list`` is the TLS-encoded ``SignedCertificateTimestampList`` (RFC 6962 §3.3); the
    extension value is that list wrapped in a DER OCTET STRING. Raises ``FormatError`` if the
    precert does not end with the critical poison or was not issued by ``issuer``, and
    ``VerificationError`` if ``final.tbs_precertificate_bytes`` differs from the precert's TBS
    without the poison (``precert_tbs``): an SCT over one would not verify over the other.
    """
    hash_alg = signature_hash(issuer_key)
    check_sct_list(sct_list)
    exts = list(precert.extensions)
    if not exts or exts[-1].oid != CT_PRECERT_POISON or not exts[-1].critical:
        raise FormatError("the last extension must be the critical CT poison", field="precert")
    if precert.issuer != issuer.subject:
        raise FormatError("precert issuer is not the issuer's subject", field="precert")
    try:
        precert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as e:
        raise FormatError(f"precert not signed by the issuer: {e}", field="precert") from None
    builder = (
        x509.CertificateBuilder()
        .subject_name(precert.subject)
        .issuer_name(precert.issuer)
        .public_key(precert.public_key())
        .serial_number(precert.serial_number)
        .not_valid_before(precert.not_valid_before_utc)
        .not_valid_after(precert.not_valid_after_utc)
    )
    for ext in exts[:-1]:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    sct_ext = x509.UnrecognizedExtension(CT_SCT_LIST, encode_tlv(TAG_OCTET_STRING, sct_list))
    final = builder.add_extension(sct_ext, critical=False).sign(issuer_key, hash_alg)
    if final.tbs_precertificate_bytes != precert_tbs(precert):
        raise VerificationError(
            "final certificate's precert TBS differs from the precertificate's (§6.3 step 5)",
            field="precert",
        )
    return final
