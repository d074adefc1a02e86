"""A self-signed CA and the webhook's serving certificate (``--tls-self-signed DNS_NAME``).

The API server calls admission webhooks over HTTPS only, checking the serving certificate
against the ``caBundle`` of the webhook configuration (oci-and-policy.md §3.3). For a
cluster without cert-manager, the webhook makes its own: an ECDSA P-256 CA (``CN=sigstack
admission CA``, 10 years) and a serving certificate for ``DNS_NAME`` (e.g.
``webhook.cosign-system.svc``; an IP address becomes an IP SAN) signed by it (1 year,
``serverAuth``). They are kept in ``<data dir>/admission-tls/`` (keys mode 0600) and reused
while the name matches and the certificate has more than 30 days left; :func:`ca_bundle` is
what to paste into ``caBundle`` (base64 of the CA's PEM)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["ServingFiles", "ca_bundle", "self_signed"]

_RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class ServingFiles:
    """Paths of the CA certificate, the serving certificate and its key (PEM)."""

    ca_cert: Path
    cert: Path
    key: Path


def ca_bundle(files: ServingFiles) -> str:
    """The webhook configuration's ``caBundle``: base64 of the CA certificate PEM."""
    return base64.b64encode(files.ca_cert.read_bytes()).decode()


def _name(dns_name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(dns_name))
    except ValueError:
        return x509.DNSName(dns_name)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _usable(files: ServingFiles, dns_name: str, now: datetime.datetime) -> bool:
    if not all(p.exists() for p in (files.ca_cert, files.cert, files.key)):
        return False
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return _name(dns_name) in names and cert.not_valid_after_utc - now > _RENEW_BEFORE


def _builder(
    subject: str, issuer: str, public: ec.EllipticCurvePublicKey,
    now: datetime.datetime, days: int,
) -> x509.CertificateBuilder:  # fmt: skip
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
    )


def self_signed(directory: Path, dns_name: str, now: datetime.datetime) -> ServingFiles:
    """The CA and serving certificate for ``dns_name`` in ``directory`` (module docstring)."""
    files = ServingFiles(directory / "ca.crt", directory / "tls.crt", directory / "tls.key")
    if _usable(files, dns_name, now):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = "sigstack admission CA"
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), now, 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(dns_name, ca_name, key.public_key(), now, 365)
        .add_extension(x509.SubjectAlternativeName([_name(dns_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.key, key)
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files
