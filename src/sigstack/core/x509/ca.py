"""Root and intermediate CA certificates (ca-tsa-oidc-tuf.md §2.2, §8.3).

Both: BasicConstraints CA:TRUE **critical** and KeyUsage keyCertSign + cRLSign **critical**
(sigstore-python's ``cert_is_ca`` needs both on the SCT issuer, sigstore-clients.md §4.4), SKID =
SHA-1 of the public key (RFC 5280 §4.2.1.2 method 1), AKI = the issuer's SKID, random positive
serial. Intermediates get pathlen 0 and an EKU (codeSigning for the Fulcio chain, which Fulcio's
``VerifyCertChain`` requires; timeStamping for the TSA chain, §8.3). Roots carry no EKU.
CA keys are ECDSA P-256/P-384 or RSA; Ed25519 is refused with ``UnsupportedError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.x509.algorithms import (
    IssuerKey,
    PublicKey,
    check_public_key,
    signature_hash,
)
from sigstack.core.x509.validity import check_within_issuer, window
from sigstack.errors import FormatError

__all__ = ["CA_KEY_USAGE", "authority_key_identifier", "build_intermediate_ca", "build_root_ca"]

#: keyCertSign + cRLSign only (§2.2).
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def authority_key_identifier(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    """AKI = the issuer's SKID (§2.1: "AKI = parent's SKID"); computed if the issuer has none."""
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(
            check_public_key(issuer.public_key(), field="issuer", role="CA")
        )
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _check_subject(subject: x509.Name, *, root: bool) -> None:
    if not subject.rdns:
        raise FormatError("a CA subject must not be empty", field="subject")
    if root:
        for oid, name in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O")):
            if not subject.get_attributes_for_oid(oid):
                raise FormatError(f"a root subject needs {name} (§2.2)", field="subject")


def _ca_builder(
    public: PublicKey, subject: x509.Name, issuer_name: x509.Name, start: datetime, end: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )


def build_root_ca(
    key: IssuerKey,
    subject: x509.Name,
    *,
    not_before: datetime,
    validity: timedelta,
    path_length: int | None = 1,
) -> x509.Certificate:
    """Self-signed root (§2.2). ``path_length`` 1 as Fulcio's ephemeral CA and certmaker's root
    template: one intermediate below it, then leaves."""
    hash_alg = signature_hash(key)
    _check_subject(subject, root=True)
    start, end = window(not_before, validity)
    public = check_public_key(key.public_key(), field="key", role="CA")
    ski = x509.SubjectKeyIdentifier.from_public_key(public)
    builder = (
        _ca_builder(public, subject, subject, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    return builder.sign(key, hash_alg)


def build_intermediate_ca(
    key_public: PublicKey,
    subject: x509.Name,
    *,
    issuer: x509.Certificate,
    issuer_key: IssuerKey,
    not_before: datetime,
    validity: timedelta,
    eku: Sequence[x509.ObjectIdentifier] = (ExtendedKeyUsageOID.CODE_SIGNING,),
) -> x509.Certificate:
    """Intermediate CA signed by ``issuer`` (§2.2): CA:TRUE pathlen 0, SKID, AKI, and ``eku``.

    Fulcio's chain uses the default codeSigning EKU; the TSA passes ``(TIME_STAMPING,)`` (§8.3,
    ``--enforce-intermediate-eku``). An empty ``eku`` leaves the extension out. The validity must
    end no later than the issuer's.
    """
    hash_alg = signature_hash(issuer_key)
    public = check_public_key(key_public, field="key_public", role="CA")
    _check_subject(subject, root=False)
    start, end = window(not_before, validity)
    check_within_issuer(end, issuer)
    builder = (
        _ca_builder(public, subject, issuer.subject, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(authority_key_identifier(issuer), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(issuer_key, hash_alg)
