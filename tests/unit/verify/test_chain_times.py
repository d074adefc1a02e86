"""Step 1 at several verified times: a path built at one time is reused at another only
when every certificate on it is valid then and its CAs are trusted then (``_cert``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.trust.model import CertificateAuthority, TrustedRoot, ValidFor
from sigstack.verify import _cert
from sigstack.verify.errors import CertificateChainError

T1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(minutes=5)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _root(cn: str, not_after: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(T1 - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(T1 - timedelta(minutes=1))
        .not_valid_after(T2 + timedelta(minutes=5))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name("someone@example.com")]), True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _ca(cert: x509.Certificate, start: datetime, end: datetime | None) -> CertificateAuthority:
    return CertificateAuthority(
        organization="test",
        common_name="test",
        uri=None,
        chain_der=(cert.public_bytes(Encoding.DER),),
        valid_for=ValidFor(start, end),
    )


def _trust(*cas: CertificateAuthority) -> TrustedRoot:
    return TrustedRoot(tlogs=(), certificate_authorities=cas, ctlogs=())


def test_chain_at_two_times() -> None:
    key, root = _root("root", T2 + timedelta(days=1))
    leaf = _leaf(root, key)
    built = _cert.verify_chain(leaf, _trust(_ca(root, T1 - timedelta(days=1), None)), [T1, T2])
    assert built == [leaf, root]


def test_second_time_outside_the_cas_valid_for() -> None:
    key, root = _root("root", T2 + timedelta(days=1))
    leaf = _leaf(root, key)
    trust = _trust(_ca(root, T1 - timedelta(days=1), T1 + timedelta(minutes=1)))
    with pytest.raises(
        CertificateChainError, match="expected a trusted CA valid at 2026-03-01T12:05"
    ):
        _cert.verify_chain(leaf, trust, [T1, T2])


def test_second_time_trusts_only_another_ca() -> None:
    key, root = _root("root", T2 + timedelta(days=1))
    _, other = _root("other root", T2 + timedelta(days=1))
    leaf = _leaf(root, key)
    trust = _trust(
        _ca(root, T1 - timedelta(days=1), T1 + timedelta(minutes=1)),
        _ca(other, T1 + timedelta(minutes=2), None),
    )
    assert _cert.verify_chain(leaf, trust, [T1]) == [leaf, root]
    with pytest.raises(
        CertificateChainError, match="does not chain to a trusted CA at 2026-03-01T12:05"
    ):
        _cert.verify_chain(leaf, trust, [T1, T2])


def test_second_time_after_the_root_certificate_expired() -> None:
    key, root = _root("root", T1 + timedelta(minutes=1))
    leaf = _leaf(root, key)
    trust = _trust(_ca(root, T1 - timedelta(days=1), None))
    assert _cert.verify_chain(leaf, trust, [T1]) == [leaf, root]
    with pytest.raises(
        CertificateChainError, match="does not chain to a trusted CA at 2026-03-01T12:05"
    ):
        _cert.verify_chain(leaf, trust, [T1, T2])
    with pytest.raises(
        CertificateChainError, match="does not chain to a trusted CA at 2026-03-01T12:05"
    ):
        _cert.verify_chain(leaf, trust, [T2, T1])
