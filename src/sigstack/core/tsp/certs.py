"""TSA certificates: the leaf profile RFC 3161 §2.3 requires, and a whole chain.

Leaf (ca-tsa-oidc-tuf.md §8.3, sigstore certmaker templates): not a CA,
KeyUsage digitalSignature (critical), ExtendedKeyUsage **exactly**
id-kp-timeStamping and **critical** (RFC 3161 §2.3: "The corresponding
certificate MUST contain only one instance of the extended key usage field
extension ... with KeyPurposeID having value id-kp-timeStamping. The extension
MUST be critical."). OpenSSL (and so sigstore-python) refuses anything else.

The chain is root → intermediate (with the timeStamping EKU, as the Go TSA's
``--enforce-intermediate-eku`` wants) → leaf, built with
:mod:`sigstack.core.x509.ca`.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.x509 import ca
from sigstack.core.x509.validity import check_within_issuer, window

__all__ = ["build_tsa_chain", "build_tsa_leaf", "tsa_name"]

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def tsa_name(common_name: str, organization: str = "sigstack") -> x509.Name:
    """A subject ``O=<organization>, CN=<common_name>``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def build_tsa_leaf(
    public_key: PublicKey,
    subject: x509.Name,
    *,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    not_before: datetime,
    validity: timedelta,
) -> x509.Certificate:
    """A TSA signing certificate (RFC 3161 §2.3; RFC 5280 §4.2.1.12 for the EKU).

    Its validity must end no later than the issuer's (RFC 5280 §6.1.3 checks each
    certificate at the verification time, so a longer leaf would outlive its chain).
    """
    start, end = window(not_before, validity)
    check_within_issuer(end, issuer)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(secrets.randbits(159) | 1)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(ca.authority_key_identifier(issuer), critical=False)
    )
    return builder.sign(issuer_key, _hash_for(issuer_key))


def build_tsa_chain(
    *,
    root_key: PrivateKey,
    intermediate_key: PrivateKey,
    leaf_key: PrivateKey,
    name: str,
    not_before: datetime,
    validity: timedelta,
) -> list[x509.Certificate]:
    """``[leaf, intermediate, root]`` (leaf first, as trusted roots list TSA chains)."""
    root_subject = tsa_name(f"{name} root")
    mid_subject = tsa_name(f"{name} intermediate")

    root = ca.build_root_ca(root_key, root_subject, not_before=not_before, validity=validity)
    intermediate = ca.build_intermediate_ca(
        intermediate_key.public_key(),
        mid_subject,
        issuer=root,
        issuer_key=root_key,
        not_before=not_before,
        validity=validity,
        eku=(ExtendedKeyUsageOID.TIME_STAMPING,),
    )
    leaf = build_tsa_leaf(
        leaf_key.public_key(),
        tsa_name(f"{name} timestamping"),
        issuer=intermediate,
        issuer_key=intermediate_key,
        not_before=not_before,
        validity=validity,
    )
    return [leaf, intermediate, root]
