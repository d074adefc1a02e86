"""Check a leaf against the Fulcio code-signing profile (ca-tsa-oidc-tuf.md §2.1, §3, §6;
sigstore-clients.md §4.4–4.5).

``check_leaf_profile`` raises ``VerificationError`` whose ``field`` names the rule broken (for
example ``"san.critical"``) and whose message cites the spec. It accepts a precertificate (critical
poison last), a final certificate (non-critical SCT list last) and a plain leaf (neither).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from sigstack.core.x509.algorithms import check_public_key
from sigstack.core.x509.der import TAG_UTF8STRING, decode_tlv
from sigstack.core.x509.extensions import decode_fulcio_extensions
from sigstack.core.x509.issuance import LEAF_KEY_USAGE, LEAF_VALIDITY
from sigstack.core.x509.oids import (
    CT_PRECERT_POISON,
    CT_SCT_LIST,
    FULCIO_EXTENSIONS,
    FULCIO_ISSUER_V1,
    FULCIO_ISSUER_V2,
    FULCIO_USERNAME_SAN,
)
from sigstack.errors import FormatError, VerificationError

__all__ = ["check_leaf_profile"]

_E = TypeVar("_E", bound=x509.ExtensionType)

#: Extensions a leaf may mark critical (§2.1); anything else critical is refused.
_MAY_BE_CRITICAL = {
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.BASIC_CONSTRAINTS,
    CT_PRECERT_POISON,
}


def _fail(rule: str, message: str) -> VerificationError:
    return VerificationError(f"leaf profile: {message}", field=rule)


def check_leaf_profile(cert: x509.Certificate, *, now: datetime | None = None) -> None:
    """Raise ``VerificationError`` unless ``cert`` is a leaf as Fulcio issues it.

    With ``now`` (timezone-aware), the certificate must also be valid at that instant.
    """
    if cert.version is not x509.Version.v3:
        raise _fail("version", "must be X.509 v3 (§2.1)")
    if cert.subject.rdns:
        raise _fail("subject", "subject must be empty (§2.1)")
    if not 0 < cert.serial_number < 1 << 159:
        raise _fail("serial", "serial must be positive and at most 20 octets (§2.1)")
    _check_validity(cert, now)
    try:
        check_public_key(cert.public_key(), field="public_key", role="leaf")
        exts = list(cert.extensions)
    except (FormatError, ValueError) as e:
        raise _fail("public_key" if isinstance(e, FormatError) else "extensions", str(e)) from None
    by_oid = {ext.oid: ext for ext in exts}
    for ext in exts:
        if ext.critical and ext.oid not in _MAY_BE_CRITICAL:
            raise _fail("extensions.critical", f"{ext.oid.dotted_string} must not be critical")
    _check_san(by_oid.get(ExtensionOID.SUBJECT_ALTERNATIVE_NAME))
    _check_usage(by_oid)
    if ExtensionOID.AUTHORITY_KEY_IDENTIFIER not in by_oid or (
        not _value(
            by_oid[ExtensionOID.AUTHORITY_KEY_IDENTIFIER], x509.AuthorityKeyIdentifier
        ).key_identifier
    ):
        raise _fail("aki", "AuthorityKeyIdentifier with a key identifier is required (§2.1)")
    bc = by_oid.get(ExtensionOID.BASIC_CONSTRAINTS)
    if bc is not None and _value(bc, x509.BasicConstraints).ca:
        raise _fail("basic_constraints", "a leaf must not be a CA (§2.1)")
    _check_fulcio(cert, exts)
    _check_ct(exts)


def _value(ext: x509.Extension[x509.ExtensionType], kind: type[_E]) -> _E:
    if not isinstance(ext.value, kind):  # pragma: no cover - cryptography parses known OIDs
        raise _fail("extensions", f"{ext.oid.dotted_string} did not parse")
    return ext.value


def _check_validity(cert: x509.Certificate, now: datetime | None) -> None:
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if end - start != LEAF_VALIDITY:
        raise _fail("validity", f"validity must be exactly 10 minutes, is {end - start} (§2.1)")
    if now is None:
        return
    if now.tzinfo is None:
        raise FormatError("now must be timezone-aware", field="now")
    if not start <= now.astimezone(UTC) <= end:
        raise _fail("validity.now", f"not valid at {now.isoformat()} ({start} to {end})")


def _check_san(ext: x509.Extension[x509.ExtensionType] | None) -> None:
    if ext is None:
        raise _fail("san", "SubjectAlternativeName is required (§2.1)")
    if not ext.critical:
        raise _fail("san.critical", "SAN must be critical: the subject is empty (§2.1)")
    names = list(_value(ext, x509.SubjectAlternativeName))
    if len(names) != 1:
        raise _fail("san.count", f"exactly one SAN entry is allowed, found {len(names)} (§2.1)")
    name = names[0]
    if isinstance(name, x509.RFC822Name | x509.UniformResourceIdentifier):
        if not name.value:
            raise _fail("san.value", "SAN value is empty")
        return
    if isinstance(name, x509.OtherName) and name.type_id == FULCIO_USERNAME_SAN:
        try:
            decode_tlv(TAG_UTF8STRING, name.value, field="san").decode()
        except (FormatError, UnicodeDecodeError):
            raise _fail("san.othername", "OtherName .1.7 must hold a UTF8String (§3)") from None
        return
    raise _fail("san.type", f"SAN must be email, URI or OtherName .1.7, not {type(name).__name__}")


def _check_usage(by_oid: dict[x509.ObjectIdentifier, x509.Extension[x509.ExtensionType]]) -> None:
    ku = by_oid.get(ExtensionOID.KEY_USAGE)
    if ku is None or not ku.critical:
        raise _fail("key_usage", "KeyUsage is required and critical (§2.1)")
    if _value(ku, x509.KeyUsage) != LEAF_KEY_USAGE:
        raise _fail("key_usage.bits", "KeyUsage must be digitalSignature only (§2.1)")
    eku = by_oid.get(ExtensionOID.EXTENDED_KEY_USAGE)
    if eku is None:
        raise _fail("eku", "ExtendedKeyUsage codeSigning is required (sigstore-clients.md §4.5)")
    if list(_value(eku, x509.ExtendedKeyUsage)) != [ExtendedKeyUsageOID.CODE_SIGNING]:
        raise _fail("eku.purposes", "ExtendedKeyUsage must be codeSigning only (§2.1)")


def _check_fulcio(cert: x509.Certificate, exts: list[x509.Extension[x509.ExtensionType]]) -> None:
    try:
        values = decode_fulcio_extensions(cert)
    except FormatError as e:
        raise _fail("fulcio.encoding", f"{e} (§3)") from None
    issuer = values.get(FULCIO_ISSUER_V1.dotted_string)
    if not issuer:
        raise _fail("fulcio.issuer_v1", "issuer .1.1 (raw) is required: sigstore-python reads it")
    if values.get(FULCIO_ISSUER_V2.dotted_string) != issuer:
        raise _fail("fulcio.issuer_v2", "issuer .1.8 must be present and equal to .1.1 (§3)")
    order = [e.oid.dotted_string for e in exts if e.oid.dotted_string in FULCIO_EXTENSIONS]
    if order != [o for o in FULCIO_EXTENSIONS if o in values]:
        raise _fail("fulcio.order", "Sigstore extensions must appear in OID order (§3)")


def _check_ct(exts: list[x509.Extension[x509.ExtensionType]]) -> None:
    for oid, critical, what in (
        (CT_SCT_LIST, False, "SCT list"),
        (CT_PRECERT_POISON, True, "poison"),
    ):
        found = [i for i, e in enumerate(exts) if e.oid == oid]
        if not found:
            continue
        if found != [len(exts) - 1]:
            raise _fail("ct.last", f"the {what} extension must be the last extension (§6.2)")
        if exts[-1].critical is not critical:
            state = "critical" if critical else "non-critical"
            raise _fail("ct.critical", f"the {what} extension must be {state} (§6.2)")
