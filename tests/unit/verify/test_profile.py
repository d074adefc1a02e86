"""Step 3 (``_cert.check_profile``): each refusal names the missing or wrong extension."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.verify import _cert
from sigstack.verify.errors import CertificateProfileError

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGNING = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
ENCIPHER = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
CODE = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING])
SERVER = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])


def _cert_with(*extensions: x509.ExtensionType) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "profile")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(minutes=10))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, False)
    return builder.sign(key, hashes.SHA256())


def test_fulcio_profile_passes() -> None:
    _cert.check_profile(_cert_with(SIGNING, CODE, x509.BasicConstraints(False, None)))
    _cert.check_profile(_cert_with(SIGNING, CODE))


@pytest.mark.parametrize(
    ("extensions", "reason"),
    [
        ((CODE,), "missing extension: No KeyUsage extension was found"),
        ((SIGNING,), "missing extension: No ExtendedKeyUsage extension was found"),
        ((SIGNING, CODE, x509.BasicConstraints(True, None)), "the signing certificate is a CA"),
        ((ENCIPHER, CODE), "KeyUsage lacks digitalSignature"),
        ((SIGNING, SERVER), "ExtendedKeyUsage lacks codeSigning"),
    ],
)
def test_profile_refusals(extensions: tuple[x509.ExtensionType, ...], reason: str) -> None:
    with pytest.raises(CertificateProfileError, match=reason) as info:
        _cert.check_profile(_cert_with(*extensions))
    assert info.value.code == "certificate-profile"
