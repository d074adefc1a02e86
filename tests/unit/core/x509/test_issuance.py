"""Leaf issuance: precert → final, plain leaves, and the chain (ca-tsa-oidc-tuf.md §2.1, §6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store

from sigstack.core.x509.der import decode_tlv
from sigstack.core.x509.issuance import (
    LEAF_KEY_USAGE,
    build_certificate,
    build_precertificate,
    finalize_certificate,
)
from sigstack.core.x509.oids import CT_PRECERT_POISON, CT_SCT_LIST, FULCIO_USERNAME_SAN
from sigstack.core.x509.precert import precert_tbs
from sigstack.core.x509.profile import check_leaf_profile

from .conftest import NOW, V1, V2, Chain, chain, dummy_sct_list, request

SAN_CASES = [
    ("email", "alice@example.com", x509.RFC822Name("alice@example.com")),
    (
        "uri",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        x509.UniformResourceIdentifier(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
        ),
    ),
    (
        "othername",
        "alice!example.com",
        x509.OtherName(FULCIO_USERNAME_SAN, b"\x0c\x11alice!example.com"),
    ),
]


def issue(
    c: Chain, san_type: str = "email", san_value: str = "alice@example.com", **kw: str
) -> tuple[x509.Certificate, x509.Certificate]:
    pre = build_precertificate(
        request(san_type, san_value, **kw),
        issuer=c.intermediate,
        issuer_key=c.intermediate_key,
        not_before=NOW,
        serial=0x1234567890,
    )
    return pre, finalize_certificate(
        pre, dummy_sct_list(), issuer=c.intermediate, issuer_key=c.intermediate_key
    )


def sigstore_python_verify(c: Chain, leaf: x509.Certificate) -> list[x509.Certificate]:
    """What sigstore-python's ``_verify_chain_at_time`` does (EKU relaxed), root-only store."""
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store([c.root]))
        .time(NOW + timedelta(minutes=5))
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
        .build_client_verifier()
    )
    return verifier.verify(leaf, [c.intermediate]).chain


@pytest.mark.parametrize(("san_type", "san_value", "expected"), SAN_CASES)
def test_each_san_type_gives_a_profile_leaf(
    ca: Chain, san_type: str, san_value: str, expected: x509.GeneralName
) -> None:
    pre, final = issue(ca, san_type, san_value)
    for cert in (pre, final):
        check_leaf_profile(cert, now=NOW)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        assert san.critical and list(san.value) == [expected]


def test_othername_san_bytes_match_the_spec(ca: Chain) -> None:
    _, final = issue(ca, "othername", "alice!example.com")
    der = final.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    expected = bytes.fromhex("3023a021060a2b0601040183bf300107a0130c11") + b"alice!example.com"
    assert der.value.public_bytes() == expected


def test_leaf_fields_by_inspection(ca: Chain) -> None:
    pre, final = issue(ca)
    for cert in (pre, final):
        assert cert.version is x509.Version.v3
        assert cert.subject == x509.Name([]) and cert.issuer == ca.intermediate.subject
        assert cert.serial_number == 0x1234567890
        assert cert.not_valid_before_utc == NOW
        assert cert.not_valid_after_utc == NOW + timedelta(minutes=10)
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert ku.critical and ku.value == LEAF_KEY_USAGE and ku.value.digital_signature
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        assert not eku.critical and list(eku.value) == [ExtendedKeyUsageOID.CODE_SIGNING]
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = ca.intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        assert aki.key_identifier == ski.value.digest
        for absent in (x509.SubjectKeyIdentifier, x509.BasicConstraints):
            with pytest.raises(x509.ExtensionNotFound):
                cert.extensions.get_extension_for_class(absent)
        for ext in cert.extensions:
            if ext.oid.dotted_string.startswith("1.3.6.1.4.1.57264."):
                assert not ext.critical
        assert cert.signature_hash_algorithm is not None
        assert cert.signature_hash_algorithm.name == "sha384"  # P-384 intermediate


def test_extension_order_and_ct_extensions(ca: Chain) -> None:
    pre, final = issue(ca)
    order = [e.oid.dotted_string for e in pre.extensions]
    assert order == [
        "2.5.29.15",
        "2.5.29.37",
        "2.5.29.35",
        "2.5.29.17",
        V1,
        V2,
        "1.3.6.1.4.1.57264.1.24",
        CT_PRECERT_POISON.dotted_string,
    ]
    poison = list(pre.extensions)[-1]
    assert poison.critical and isinstance(poison.value, x509.PrecertPoison)
    assert poison.value.public_bytes() == b"\x05\x00"
    assert [e.oid.dotted_string for e in final.extensions] == [
        *order[:-1],
        CT_SCT_LIST.dotted_string,
    ]
    sct = list(final.extensions)[-1]
    assert not sct.critical and len(sct.value) == 1
    assert decode_tlv(0x04, sct.value.public_bytes()) == dummy_sct_list()


def test_final_tbs_equals_precert_tbs_without_poison(ca: Chain) -> None:
    pre, final = issue(ca)
    assert final.tbs_precertificate_bytes == precert_tbs(pre)
    # Independent oracle: asn1crypto drops the poison and re-encodes.
    tbs = asn1_x509.TbsCertificate.load(pre.tbs_certificate_bytes)
    exts = tbs["extensions"]
    tbs["extensions"] = asn1_x509.Extensions(
        [e for e in exts if e["extn_id"].dotted != CT_PRECERT_POISON.dotted_string]
    )
    assert tbs.dump(force=True) == precert_tbs(pre)
    # And it is the TBS of the same leaf built without CT.
    plain = build_certificate(
        request(),
        issuer=ca.intermediate,
        issuer_key=ca.intermediate_key,
        not_before=NOW,
        serial=pre.serial_number,
    )
    assert plain.tbs_certificate_bytes == precert_tbs(pre)
    assert final.signature != pre.signature


@pytest.mark.parametrize("kind", ["p256", "p384", "rsa2048"])
@pytest.mark.parametrize(("san_type", "san_value"), [c[:2] for c in SAN_CASES[:2]])
def test_chain_verifies(kind: str, san_type: str, san_value: str) -> None:
    c = chain(kind)
    pre, final = issue(c, san_type, san_value)
    for cert in (pre, final):
        cert.verify_directly_issued_by(c.intermediate)
    c.intermediate.verify_directly_issued_by(c.root)
    assert sigstore_python_verify(c, final) == [final, c.intermediate, c.root]


def test_plain_certificate_has_no_ct_and_verifies(ca: Chain) -> None:
    cert = build_certificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    oids = {e.oid for e in cert.extensions}
    assert CT_PRECERT_POISON not in oids and CT_SCT_LIST not in oids
    check_leaf_profile(cert)
    assert sigstore_python_verify(ca, cert)[-1] == ca.root
    assert 0 < cert.serial_number < 1 << 159


@pytest.mark.parametrize("leaf", ["p256", "p384", "rsa2048"])
def test_accepted_leaf_keys(ca: Chain, leaf: str) -> None:
    cert = build_certificate(
        request(leaf=leaf), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    check_leaf_profile(cert)
