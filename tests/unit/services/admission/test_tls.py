"""``--tls-self-signed``: a CA and a serving certificate for the webhook's DNS name."""

from __future__ import annotations

import base64
import datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstack.services.admission.tls import ca_bundle, self_signed

NOW = datetime.datetime(2026, 11, 22, 6, 0, tzinfo=datetime.UTC)


def test_serving_certificate_is_issued_by_the_ca(tmp_path: Path) -> None:
    files = self_signed(tmp_path / "tls", "webhook.cosign-system.svc", NOW)
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    cert.verify_directly_issued_by(ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["webhook.cosign-system.svc"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (files.key.stat().st_mode & 0o777) == 0o600
    assert base64.b64decode(ca_bundle(files)) == files.ca_cert.read_bytes()


def test_reused_while_valid_and_remade_for_another_name(tmp_path: Path) -> None:
    first = self_signed(tmp_path, "webhook.cosign-system.svc", NOW)
    pem = first.cert.read_bytes()
    again = self_signed(tmp_path, "webhook.cosign-system.svc", NOW + datetime.timedelta(days=300))
    assert again.cert.read_bytes() == pem
    late = self_signed(tmp_path, "webhook.cosign-system.svc", NOW + datetime.timedelta(days=340))
    assert late.cert.read_bytes() != pem
    other = self_signed(tmp_path, "127.0.0.1", NOW)
    cert = x509.load_pem_x509_certificate(other.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
