"""Root and intermediate CA certificates (ca-tsa-oidc-tuf.md §2.2, §8.3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.x509.ca import CA_KEY_USAGE, build_intermediate_ca, build_root_ca
from sigstack.errors import FormatError, UnsupportedError

from .conftest import INTERMEDIATE_NAME, NOW, ROOT_NAME, ca_key, chain, key

TEN_YEARS = timedelta(days=3650)


@pytest.mark.parametrize(
    ("kind", "hash_name"), [("p256", "sha256"), ("p384", "sha384"), ("rsa2048", "sha256")]
)
def test_chain_with_each_ca_key_type(kind: str, hash_name: str) -> None:
    c = chain(kind)
    c.root.verify_directly_issued_by(c.root)
    c.intermediate.verify_directly_issued_by(c.root)
    for cert in (c.root, c.intermediate):
        assert cert.signature_hash_algorithm is not None
        assert cert.signature_hash_algorithm.name == hash_name
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey | rsa.RSAPublicKey)


def test_root_profile() -> None:
    root = chain().root
    assert root.subject == root.issuer == ROOT_NAME
    assert root.version is x509.Version.v3
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 1
    ku = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value == CA_KEY_USAGE
    assert ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = root.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(root.public_key()).digest
    assert aki.key_identifier == ski.digest
    with pytest.raises(x509.ExtensionNotFound):
        root.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert 0 < root.serial_number < 1 << 160
    assert root.not_valid_before_utc == NOW
    assert root.not_valid_after_utc == NOW + TEN_YEARS


def test_intermediate_profile() -> None:
    c = chain()
    inter = c.intermediate
    assert inter.subject == INTERMEDIATE_NAME and inter.issuer == ROOT_NAME
    bc = inter.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = inter.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value == CA_KEY_USAGE
    eku = inter.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert not eku.critical and list(eku.value) == [ExtendedKeyUsageOID.CODE_SIGNING]
    root_ski = c.root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = inter.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    inter.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)


def test_tsa_intermediate_gets_the_timestamping_eku() -> None:
    c = chain()
    tsa = build_intermediate_ca(
        ca_key("p256").public_key(),
        INTERMEDIATE_NAME,
        issuer=c.root,
        issuer_key=c.root_key,
        not_before=NOW,
        validity=timedelta(days=30),
        eku=(ExtendedKeyUsageOID.TIME_STAMPING,),
    )
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.TIME_STAMPING]
    none = build_intermediate_ca(
        ca_key("p256").public_key(),
        INTERMEDIATE_NAME,
        issuer=c.root,
        issuer_key=c.root_key,
        not_before=NOW,
        validity=timedelta(days=30),
        eku=(),
    )
    with pytest.raises(x509.ExtensionNotFound):
        none.extensions.get_extension_for_class(x509.ExtendedKeyUsage)


def test_ed25519_root_key_is_refused_with_the_reason() -> None:
    with pytest.raises(UnsupportedError, match="sigstore-python rejects") as e:
        build_root_ca(key("ed25519"), ROOT_NAME, not_before=NOW, validity=TEN_YEARS)  # type: ignore[arg-type]
    assert e.value.field == "issuer_key"
    assert "Ed25519" in str(e.value)


def test_ed25519_intermediate_key_is_refused() -> None:
    c = chain()
    with pytest.raises(UnsupportedError, match="Forbidden public key algorithm") as e:
        build_intermediate_ca(
            key("ed25519").public_key(),  # type: ignore[arg-type]
            INTERMEDIATE_NAME,
            issuer=c.root,
            issuer_key=c.root_key,
            not_before=NOW,
            validity=timedelta(days=1),
        )
    assert e.value.field == "key_public"
    with pytest.raises(UnsupportedError, match="Ed25519"):
        build_intermediate_ca(
            ca_key("p256").public_key(),
            INTERMEDIATE_NAME,
            issuer=c.root,
            issuer_key=key("ed25519"),  # type: ignore[arg-type]
            not_before=NOW,
            validity=timedelta(days=1),
        )


@pytest.mark.parametrize(("kind", "message"), [("p521", "secp521r1"), ("rsa1024", "1024 bits")])
def test_other_curves_and_small_rsa_are_refused(kind: str, message: str) -> None:
    with pytest.raises(UnsupportedError, match=message):
        build_root_ca(ca_key(kind), ROOT_NAME, not_before=NOW, validity=TEN_YEARS)


def test_public_key_as_issuer_key_is_refused() -> None:
    with pytest.raises(UnsupportedError, match="not a private key"):
        build_root_ca(ca_key("p256").public_key(), ROOT_NAME, not_before=NOW, validity=TEN_YEARS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "subject",
    [
        x509.Name([]),
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root")]),
        x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "org")]),
    ],
)
def test_root_subject_needs_cn_and_o(subject: x509.Name) -> None:
    with pytest.raises(FormatError) as e:
        build_root_ca(ca_key("p256"), subject, not_before=NOW, validity=TEN_YEARS)
    assert e.value.field == "subject"


def test_intermediate_may_not_outlive_its_root() -> None:
    c = chain()
    with pytest.raises(FormatError, match="after the issuer") as e:
        build_intermediate_ca(
            ca_key("p256").public_key(),
            INTERMEDIATE_NAME,
            issuer=c.root,
            issuer_key=c.root_key,
            not_before=NOW,
            validity=TEN_YEARS + timedelta(seconds=1),
        )
    assert e.value.field == "validity"


def test_naive_or_non_positive_times_are_refused() -> None:
    with pytest.raises(FormatError, match="timezone-aware"):
        build_root_ca(
            ca_key("p256"), ROOT_NAME, not_before=datetime(2026, 1, 1), validity=TEN_YEARS
        )
    with pytest.raises(FormatError, match="positive"):
        build_root_ca(ca_key("p256"), ROOT_NAME, not_before=NOW, validity=timedelta(0))


def test_microseconds_are_dropped() -> None:
    root = build_root_ca(
        ca_key("p256"), ROOT_NAME, not_before=NOW + timedelta(microseconds=500), validity=TEN_YEARS
    )
    assert root.not_valid_before_utc == NOW
    assert root.signature_hash_algorithm is not None
    assert isinstance(root.signature_hash_algorithm, hashes.SHA256)
