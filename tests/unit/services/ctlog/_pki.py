"""A throwaway test PKI: root → intermediate → precertificate / final leaf, built with cryptography."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ca_cert(
    cn: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
) -> x509.Certificate:
    issuer_name, signer = (issuer[0].subject, issuer[1]) if issuer else (_name(cn), key)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(signer, hashes.SHA256())
    )


def leaf_builder(issuer: x509.Certificate, email: str, serial: int) -> x509.CertificateBuilder:
    subject_key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(issuer.subject)
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(minutes=10))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    )


@dataclass
class PKI:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    inter_key: ec.EllipticCurvePrivateKey
    inter: x509.Certificate

    @classmethod
    def make(cls, name: str = "test") -> PKI:
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = ca_cert(f"{name} root", root_key, None)
        inter_key = ec.generate_private_key(ec.SECP384R1())
        inter = ca_cert(f"{name} intermediate", inter_key, (root, root_key))
        return cls(root_key, root, inter_key, inter)

    def precert(self, email: str = "alice@example.com", serial: int = 1) -> x509.Certificate:
        builder = leaf_builder(self.inter, email, serial)
        builder = builder.add_extension(x509.PrecertPoison(), critical=True)
        return builder.sign(self.inter_key, hashes.SHA256())

    def final(self, email: str = "bob@example.com", serial: int = 2) -> x509.Certificate:
        return leaf_builder(self.inter, email, serial).sign(self.inter_key, hashes.SHA256())


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def b64_chain(*certs: x509.Certificate) -> dict[str, list[str]]:
    return {"chain": [base64.b64encode(der(c)).decode() for c in certs]}
