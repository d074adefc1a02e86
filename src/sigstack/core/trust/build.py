"""Trusted-root entries built from keys and chains, applying the clients' rules.

sigstore-clients.md §2.3–§2.5 and §6.5, ca-tsa-oidc-tuf.md §11.3:

* Rekor v1 log: ``logId`` = SHA-256(DER SPKI).
* Rekor v2 log: ``logId`` = ``checkpointKeyId`` = the 32-byte C2SP note key ID of the
  checkpoint signer name (the origin), which must be a substring of ``baseUrl``
  (sigstore-js checks it).
* CT log: ``logId`` = SHA-256(DER SPKI) (RFC 6962 LogID).
* CA (Fulcio): ``certChain`` has NO leaf: intermediate(s), then the root.
* TSA: ``certChain`` is leaf FIRST, then intermediates, then the root (≥ 2 certificates).
* Signing config: every service has ``validFor`` and ``operator``; selectors ``ANY``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.note.signed_note import note_key_id
from sigstack.core.trust.model import (
    CertificateAuthority,
    Service,
    SigningConfig,
    TransparencyLogInstance,
    ValidFor,
)
from sigstack.errors import FormatError

__all__ = [
    "ct_log",
    "fulcio_authority",
    "key_details_of",
    "rekor_v1_log",
    "rekor_v2_log",
    "signing_config",
    "timestamp_authority",
]

_CURVE_DETAILS = {
    "secp256r1": "PKIX_ECDSA_P256_SHA_256",
    "secp384r1": "PKIX_ECDSA_P384_SHA_384",
    "secp521r1": "PKIX_ECDSA_P521_SHA_512",
}
_RSA_SIZES = (2048, 3072, 4096)

LogKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


def key_details_of(key: LogKey) -> str:
    """The protobuf-specs ``PublicKeyDetails`` name of ``key`` (§2.3)."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name in _CURVE_DETAILS:
            return _CURVE_DETAILS[key.curve.name]
    elif isinstance(key, ed25519.Ed25519PublicKey):
        return "PKIX_ED25519"
    elif isinstance(key, rsa.RSAPublicKey) and key.key_size in _RSA_SIZES:
        return f"PKIX_RSA_PKCS1V15_{key.key_size}_SHA256"
    raise FormatError(f"no PublicKeyDetails for a {type(key).__name__} key")


def _spki(key: LogKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _sha256_log(
    base_url: str, key: LogKey, start: datetime, operator: str | None
) -> TransparencyLogInstance:
    spki = _spki(key)
    return TransparencyLogInstance(
        base_url=base_url.rstrip("/"),
        public_key_der=spki,
        key_details=key_details_of(key),
        valid_for=ValidFor(start),
        log_id=hashlib.sha256(spki).digest(),
        operator=operator,
    )


def rekor_v1_log(
    base_url: str, key: LogKey, start: datetime, *, operator: str | None = None
) -> TransparencyLogInstance:
    """A Rekor v1 log: ``logId`` = SHA-256(DER SPKI) (§2.4 derivations)."""
    return _sha256_log(base_url, key, start, operator)


def ct_log(
    base_url: str, key: LogKey, start: datetime, *, operator: str | None = None
) -> TransparencyLogInstance:
    """A CT log: ``logId`` = SHA-256(DER SPKI), the RFC 6962 LogID sigstore-js matches SCTs on."""
    return _sha256_log(base_url, key, start, operator)


def rekor_v2_log(
    base_url: str, origin: str, key: LogKey, start: datetime, *, operator: str | None = None
) -> TransparencyLogInstance:
    """A Rekor v2 log: ``logId`` = ``checkpointKeyId`` = C2SP key ID of ``origin`` (§6.5).

    Refuses an origin that is not a substring of ``base_url``: sigstore-js would then
    reject every checkpoint of the log.
    """
    if origin not in base_url:
        raise FormatError(
            f"checkpoint signer name {origin!r} must be a substring of the log baseUrl "
            f"{base_url!r} (sigstore-clients.md §6.5)"
        )
    key_id = note_key_id(origin, key)
    log = _sha256_log(base_url, key, start, operator)
    return TransparencyLogInstance(
        base_url=log.base_url,
        public_key_der=log.public_key_der,
        key_details=log.key_details,
        valid_for=log.valid_for,
        log_id=key_id,
        checkpoint_key_id=key_id,
        operator=operator,
    )


def _subject(cert: x509.Certificate) -> tuple[str, str]:
    def first(oid: x509.ObjectIdentifier) -> str:
        values = cert.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return first(NameOID.ORGANIZATION_NAME), first(NameOID.COMMON_NAME)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _der(chain: Sequence[x509.Certificate]) -> tuple[bytes, ...]:
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)


def fulcio_authority(
    chain: Sequence[x509.Certificate],
    uri: str,
    start: datetime,
    *,
    end: datetime | None = None,
    operator: str | None = None,
) -> CertificateAuthority:
    """A Fulcio CA: ``chain`` = intermediate(s) then root, no leaf (§2.3 chain order rules).

    sigstore-python uses every listed certificate as a trust anchor and passes no
    intermediates, so the issuing intermediate must be here (§2.4).
    """
    if not chain:
        raise FormatError("a CA entry needs its chain: intermediate(s), then the root")
    for i, cert in enumerate(chain):
        if not _is_ca(cert):
            raise FormatError(
                f"certChain[{i}] ({cert.subject.rfc4514_string()}) is not a CA certificate: "
                "a CA's certChain lists no leaf"
            )
    root = chain[-1]
    if root.issuer != root.subject:
        raise FormatError("the last certificate of a CA chain must be the self-signed root")
    organization, common_name = _subject(root)
    return CertificateAuthority(
        organization, common_name, uri, _der(chain), ValidFor(start, end), operator
    )


def timestamp_authority(
    chain: Sequence[x509.Certificate],
    uri: str,
    start: datetime,
    *,
    end: datetime | None = None,
    operator: str | None = None,
) -> CertificateAuthority:
    """A TSA: ``chain`` leaf FIRST, then intermediates, then root (≥ 2; §2.3, §2.4)."""
    if len(chain) < 2:
        raise FormatError(
            "a TSA chain needs its leaf and at least the root (sigstore-python skips it)"
        )
    leaf = chain[0]
    if _is_ca(leaf):
        raise FormatError("a TSA certChain starts with the leaf (the timestamp signer), found a CA")
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.TIME_STAMPING not in usages:
        raise FormatError("the TSA leaf certificate lacks the timeStamping extended key usage")
    organization, common_name = _subject(chain[-1])
    return CertificateAuthority(
        organization, common_name, uri, _der(chain), ValidFor(start, end), operator
    )


def signing_config(
    *,
    ca_url: str,
    oidc_url: str,
    rekor_urls: Sequence[tuple[str, int]],
    tsa_url: str,
    start: datetime,
    operator: str,
) -> SigningConfig:
    """A v0.2 signing config for one operator (§2.5, §2.6).

    ``rekor_urls`` lists (url, major API version), preferred first: sigstore-python picks
    the highest version of the operator, sigstore-js the first of equal ``start``.
    ``tsa_url`` is the full endpoint (clients use it verbatim, §3); ``ca_url`` must be a
    root URL (sigstore-python drops its path).
    """
    valid = ValidFor(start)

    def service(url: str, version: int = 1) -> Service:
        return Service(url.rstrip("/"), version, valid, operator)

    return SigningConfig(
        ca_urls=[service(ca_url)],
        oidc_urls=[service(oidc_url)],
        rekor_tlog_urls=[service(url, version) for url, version in rekor_urls],
        tsa_urls=[service(tsa_url)],
    )
