"""``check_leaf_profile``: one test per rule (ca-tsa-oidc-tuf.md §2.1, §3, §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from sigstack.core.x509.der import encode_tlv
from sigstack.core.x509.issuance import (
    build_certificate,
    build_precertificate,
    finalize_certificate,
)
from sigstack.core.x509.oids import CT_SCT_LIST, FULCIO_USERNAME_SAN
from sigstack.core.x509.profile import check_leaf_profile
from sigstack.errors import FormatError, VerificationError

from .conftest import ISSUER, NOW, V1, V2, Chain, chain, dummy_sct_list, key, request

Ext = tuple[x509.ExtensionType, bool]


def good_extensions(c: Chain) -> list[Ext]:
    cert = build_certificate(
        request(), issuer=c.intermediate, issuer_key=c.intermediate_key, not_before=NOW
    )
    return [(e.value, e.critical) for e in cert.extensions]


def forge(
    edit: Callable[[list[Ext]], list[Ext]] = lambda e: e,
    *,
    subject: x509.Name | None = None,
    validity: timedelta = timedelta(minutes=10),
    public_key: Any = None,
    serial: int = 42,
) -> x509.Certificate:
    """A leaf like ours, with one thing changed, signed by the test intermediate."""
    c = chain()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject or x509.Name([]))
        .issuer_name(c.intermediate.subject)
        .public_key(public_key or key("p256").public_key())
        .serial_number(serial)
        .not_valid_before(NOW)
        .not_valid_after(NOW + validity)
    )
    for value, critical in edit(good_extensions(c)):
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(c.intermediate_key, hashes.SHA384())


def drop(oid: x509.ObjectIdentifier) -> Callable[[list[Ext]], list[Ext]]:
    return lambda exts: [(v, c) for v, c in exts if v.oid != oid]


def replace(
    oid: x509.ObjectIdentifier,
    value: x509.ExtensionType | None = None,
    critical: bool | None = None,
) -> Callable[[list[Ext]], list[Ext]]:
    def edit(exts: list[Ext]) -> list[Ext]:
        return [
            (value if value is not None else v, critical if critical is not None else c)
            if v.oid == oid
            else (v, c)
            for v, c in exts
        ]

    return edit


def fulcio(values: dict[str, bytes]) -> Callable[[list[Ext]], list[Ext]]:
    def edit(exts: list[Ext]) -> list[Ext]:
        kept = [(v, c) for v, c in exts if not v.oid.dotted_string.startswith("1.3.6.1.4.1.57264.")]
        return kept + [
            (x509.UnrecognizedExtension(x509.ObjectIdentifier(o), b), False)
            for o, b in values.items()
        ]

    return edit


def ku(**bits: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


SAN = ExtensionOID.SUBJECT_ALTERNATIVE_NAME
RAW_ISSUER = ISSUER.encode()
DER_ISSUER = b"\x0c\x1e" + RAW_ISSUER

VIOLATIONS: dict[str, tuple[str, x509.Certificate | Callable[[], x509.Certificate]]] = {
    "subject": (
        "subject",
        lambda: forge(subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])),
    ),
    "validity 11 min": ("validity", lambda: forge(validity=timedelta(minutes=11))),
    "validity 1 year": ("validity", lambda: forge(validity=timedelta(days=365))),
    "no SAN": ("san", lambda: forge(drop(SAN))),
    "SAN not critical": ("san.critical", lambda: forge(replace(SAN, critical=False))),
    "two SANs": (
        "san.count",
        lambda: forge(
            replace(
                SAN,
                x509.SubjectAlternativeName([x509.RFC822Name("a@b.c"), x509.RFC822Name("d@e.f")]),
            )
        ),
    ),
    "DNS SAN": (
        "san.type",
        lambda: forge(replace(SAN, x509.SubjectAlternativeName([x509.DNSName("example.com")]))),
    ),
    "foreign OtherName": (
        "san.type",
        lambda: forge(
            replace(
                SAN,
                x509.SubjectAlternativeName(
                    [x509.OtherName(x509.ObjectIdentifier("1.2.3"), b"\x0c\x01a")]
                ),
            )
        ),
    ),
    "OtherName not UTF8String": (
        "san.othername",
        lambda: forge(
            replace(
                SAN,
                x509.SubjectAlternativeName([x509.OtherName(FULCIO_USERNAME_SAN, b"\x13\x01a")]),
            )
        ),
    ),
    "no KeyUsage": ("key_usage", lambda: forge(drop(ExtensionOID.KEY_USAGE))),
    "KeyUsage not critical": (
        "key_usage",
        lambda: forge(replace(ExtensionOID.KEY_USAGE, critical=False)),
    ),
    "KeyUsage certSign": (
        "key_usage.bits",
        lambda: forge(
            replace(ExtensionOID.KEY_USAGE, ku(digital_signature=True, key_cert_sign=True))
        ),
    ),
    "KeyUsage keyEncipherment only": (
        "key_usage.bits",
        lambda: forge(replace(ExtensionOID.KEY_USAGE, ku(key_encipherment=True))),
    ),
    "no EKU": ("eku", lambda: forge(drop(ExtensionOID.EXTENDED_KEY_USAGE))),
    "EKU clientAuth": (
        "eku.purposes",
        lambda: forge(
            replace(
                ExtensionOID.EXTENDED_KEY_USAGE,
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
            )
        ),
    ),
    "EKU codeSigning + clientAuth": (
        "eku.purposes",
        lambda: forge(
            replace(
                ExtensionOID.EXTENDED_KEY_USAGE,
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
            )
        ),
    ),
    "EKU critical": (
        "extensions.critical",
        lambda: forge(replace(ExtensionOID.EXTENDED_KEY_USAGE, critical=True)),
    ),
    "no AKI": ("aki", lambda: forge(drop(ExtensionOID.AUTHORITY_KEY_IDENTIFIER))),
    "CA leaf": (
        "basic_constraints",
        lambda: forge(lambda e: [*e, (x509.BasicConstraints(ca=True, path_length=None), True)]),
    ),
    "Fulcio ext critical": (
        "extensions.critical",
        lambda: forge(replace(x509.ObjectIdentifier(V1), critical=True)),
    ),
    "no issuer .1.1": ("fulcio.issuer_v1", lambda: forge(fulcio({V2: DER_ISSUER}))),
    "no issuer .1.8": ("fulcio.issuer_v2", lambda: forge(fulcio({V1: RAW_ISSUER}))),
    "issuers differ": (
        "fulcio.issuer_v2",
        lambda: forge(fulcio({V1: RAW_ISSUER, V2: b"\x0c\x01x"})),
    ),
    ".1.1 DER-wrapped is a different value": (
        "fulcio.issuer_v2",
        lambda: forge(fulcio({V1: DER_ISSUER, V2: DER_ISSUER})),
    ),
    ".1.8 raw": ("fulcio.encoding", lambda: forge(fulcio({V1: RAW_ISSUER, V2: RAW_ISSUER}))),
    "Fulcio out of order": (
        "fulcio.order",
        lambda: forge(fulcio({V2: DER_ISSUER, V1: RAW_ISSUER})),
    ),
    "SCT list not last": (
        "ct.last",
        lambda: forge(
            lambda e: [
                (
                    x509.UnrecognizedExtension(CT_SCT_LIST, encode_tlv(4, dummy_sct_list())),
                    False,
                ),
                *e,
            ]
        ),
    ),
    "SCT list critical": (
        "extensions.critical",
        lambda: forge(
            lambda e: [
                *e,
                (
                    x509.UnrecognizedExtension(CT_SCT_LIST, encode_tlv(4, dummy_sct_list())),
                    True,
                ),
            ]
        ),
    ),
    "poison not critical": (
        "ct.critical",
        lambda: forge(lambda e: [*e, (x509.PrecertPoison(), False)]),
    ),
    "poison not last": ("ct.last", lambda: forge(lambda e: [(x509.PrecertPoison(), True), *e])),
    "Ed25519 leaf key": ("public_key", lambda: forge(public_key=key("ed25519").public_key())),
    "P-521 leaf key": ("public_key", lambda: forge(public_key=key("p521").public_key())),
}


@pytest.mark.parametrize("case", list(VIOLATIONS))
def test_each_rule(case: str) -> None:
    rule, make = VIOLATIONS[case]
    cert = make() if callable(make) else make
    with pytest.raises(VerificationError) as e:
        check_leaf_profile(cert)
    assert e.value.field == rule, str(e.value)
    assert "leaf profile" in str(e.value)


def test_the_forge_baseline_passes() -> None:
    check_leaf_profile(forge())


def test_precert_final_and_plain_pass(ca: Chain) -> None:
    pre = build_precertificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    final = finalize_certificate(
        pre, dummy_sct_list(), issuer=ca.intermediate, issuer_key=ca.intermediate_key
    )
    for cert in (pre, final):
        check_leaf_profile(cert, now=NOW)
        check_leaf_profile(cert, now=NOW + timedelta(minutes=10))


@pytest.mark.parametrize(
    "now", [NOW - timedelta(seconds=1), NOW + timedelta(minutes=10, seconds=1)]
)
def test_now_outside_validity(now: datetime) -> None:
    with pytest.raises(VerificationError) as e:
        check_leaf_profile(forge(), now=now)
    assert e.value.field == "validity.now"


def test_naive_now_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        check_leaf_profile(forge(), now=datetime(2026, 6, 1, 12, 5))
    check_leaf_profile(forge(), now=datetime(2026, 6, 1, 14, 5, tzinfo=UTC) - timedelta(hours=2))


def test_ca_certificates_fail_the_leaf_profile(ca: Chain) -> None:
    with pytest.raises(VerificationError) as e:
        check_leaf_profile(ca.intermediate)
    assert e.value.field == "subject"
