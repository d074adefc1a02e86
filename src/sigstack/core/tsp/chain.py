"""Step 7 of :mod:`sigstack.core.tsp.verify`: a trusted TSA chain, checked once per chain.

The leaf's EKU is exactly id-kp-timeStamping and critical (RFC 3161 §2.3), its keyUsage if
any only digitalSignature/nonRepudiation; each CA has ``cA`` with keyCertSign and a path
length that allows what is below it, and no name constraints; no unhandled critical
extension anywhere; each link is signed by the next certificate and the root is
self-signed (RFC 5280 §6.1). The result holds what every response check needs (the leaf's
key, issuer and serial, each certificate's validity window).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstack.errors import VerificationError

__all__ = ["TrustedTsaChain", "validated_chain"]

_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
_LEAF_KEY_USAGES = frozenset({"digital_signature", "content_commitment"})
_KNOWN_CRITICAL = frozenset(
    {
        x509.BasicConstraints,
        x509.KeyUsage,
        x509.ExtendedKeyUsage,
        x509.SubjectAlternativeName,
        x509.CertificatePolicies,
    }
)


@dataclass(frozen=True)
class TrustedTsaChain:
    """A TSA chain (leaf first, root last) whose structure and signatures were checked."""

    chain_der: tuple[bytes, ...]
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    leaf_issuer: bytes  # the issuer Name, DER
    leaf_serial: int
    windows: tuple[tuple[datetime, datetime], ...]  # (notBefore, notAfter) per certificate
    ids: dict[bytes, tuple[bytes, int]]  # certificate DER → (issuer Name DER, serial)
    #: signing-certificate attribute values known to identify the leaf: (v1, v2) encodings
    #: derived from the chain and checked by the general path when the chain was trusted
    known_ess: tuple[frozenset[bytes], frozenset[bytes]] = (frozenset(), frozenset())

    def leaf_hash(self, name: str) -> bytes:
        """The leaf certificate's DER hashed with ``name`` (for ESSCertID)."""
        return _leaf_hash(self.chain_der[0], name)


@lru_cache(maxsize=256)
def _leaf_hash(der: bytes, name: str) -> bytes:
    return hashlib.new(name, der).digest()


def _check_extensions(cert: x509.Certificate, position: str) -> None:
    for ext in cert.extensions:
        if ext.critical and type(ext.value) not in _KNOWN_CRITICAL:
            raise VerificationError(
                f"expected no unhandled critical extension in the TSA {position},"
                f" found {ext.oid.dotted_string}"
            )


def _check_leaf(leaf: x509.Certificate) -> None:
    """RFC 3161 §2.3: EKU exactly id-kp-timeStamping and critical; keyUsage signing only."""
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise VerificationError(
            "expected the TSA leaf to have a critical timeStamping EKU, found no EKU"
        ) from None
    if not eku.critical:
        raise VerificationError("expected the TSA leaf's EKU to be critical, found non-critical")
    purposes = [oid.dotted_string for oid in eku.value]
    if purposes != [ExtendedKeyUsageOID.TIME_STAMPING.dotted_string]:
        raise VerificationError(
            f"expected the TSA leaf's EKU to be exactly timeStamping, found {purposes}"
        )
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        pass
    else:
        granted = {name for name in _KEY_USAGES if getattr(usage, name)}
        if not granted <= _LEAF_KEY_USAGES:
            raise VerificationError(
                "expected the TSA leaf's keyUsage to be digitalSignature/nonRepudiation only,"
                f" found {sorted(granted)}"
            )
    _check_extensions(leaf, "leaf")


def _check_ca(cert: x509.Certificate, below: int, position: str) -> None:
    """RFC 5280 §6.1.4 (k), (l), (n): a CA, keyCertSign, path length allows ``below`` CAs."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise VerificationError(
            f"expected the TSA {position} to be a CA (basicConstraints cA), found no"
            " basicConstraints"
        ) from None
    if not constraints.ca:
        raise VerificationError(f"expected the TSA {position} to be a CA, found cA false")
    if constraints.path_length is not None and below > constraints.path_length:
        raise VerificationError(
            f"expected at most {constraints.path_length} intermediates under the TSA"
            f" {position}, found {below}"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        pass
    else:
        if not usage.key_cert_sign:
            raise VerificationError(
                f"expected the TSA {position}'s keyUsage to allow keyCertSign, found it absent"
            )
    try:
        cert.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        pass
    else:
        raise VerificationError(f"expected no name constraints on the TSA {position}, found some")
    _check_extensions(cert, position)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate, position: str) -> None:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm) as exc:
        raise VerificationError(
            f"expected the TSA {position} to be signed by the next certificate of the chain,"
            f" found: {exc or type(exc).__name__}"
        ) from None


def validated_chain(chain_der: tuple[bytes, ...]) -> TrustedTsaChain:
    """Check a trusted TSA chain's structure and signatures (a pure function of its bytes)."""
    if len(chain_der) < 2:
        raise VerificationError(
            f"expected a TSA chain of the leaf and a root at least, found {len(chain_der)}"
            " certificate(s)"
        )
    try:
        certs = [x509.load_der_x509_certificate(der) for der in chain_der]
    except ValueError as exc:
        raise VerificationError(f"expected DER certificates in the TSA chain: {exc}") from None
    leaf = certs[0]
    _check_leaf(leaf)
    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise VerificationError(
            f"expected an ECDSA or RSA TSA leaf key, found {type(key).__name__}"
        )
    for index in range(1, len(certs)):
        position = "root" if index == len(certs) - 1 else f"intermediate {index}"
        _check_ca(certs[index], index - 1, position)
        _issued_by(certs[index - 1], certs[index], "leaf" if index == 1 else position)
    root = certs[-1]
    if root.subject != root.issuer:
        raise VerificationError("expected the TSA chain to end in a self-signed root, found not")
    _issued_by(root, root, "root")
    return TrustedTsaChain(
        chain_der=chain_der,
        leaf=leaf,
        leaf_key=key,
        leaf_issuer=leaf.issuer.public_bytes(),
        leaf_serial=leaf.serial_number,
        windows=tuple((c.not_valid_before_utc, c.not_valid_after_utc) for c in certs),
        ids={
            der: (c.issuer.public_bytes(), c.serial_number)
            for der, c in zip(chain_der, certs, strict=True)
        },
    )
