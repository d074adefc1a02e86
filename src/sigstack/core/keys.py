"""Public keys the transparency log accepts: loading, identities, signature checks.

Keys of the Sigstore algorithm registry (protobuf-specs ``PublicKeyDetails``; transparency-log.md
§2.1, sigstore-clients.md §6.1): ECDSA P-256/P-384/P-521, RSA ≥ 2048 bits (PKCS#1 v1.5), Ed25519.
``cryptography`` exceptions become ``sigstack.errors`` naming the offending ``field``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple, TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from sigstack.errors import FormatError, SignatureError, UnsupportedError

__all__ = [
    "KEY_DETAILS",
    "KeyDetails",
    "PublicKey",
    "certificate_identities",
    "check_key_details",
    "key_spec",
    "load_der_certificate",
    "load_der_spki",
    "load_public_key",
    "spki_der",
    "to_pem",
    "verify_prehashed",
    "verify_signature",
]

PublicKey: TypeAlias = ec.EllipticCurvePublicKey | RSAPublicKey | Ed25519PublicKey


class KeyDetails(NamedTuple):
    """What a ``PublicKeyDetails`` name requires: the key (``key_spec`` form) and its hash."""

    key: str  # "ecdsa-p256" | "ecdsa-p384" | "ecdsa-p521" | "rsa-2048" | … | "ed25519"
    hash_name: str  # "sha256" | "sha384" | "sha512" (Ed25519: its internal SHA-512)


#: protobuf-specs ``PublicKeyDetails`` accepted by the log (rekor-tiles algorithm registry).
KEY_DETAILS: Mapping[str, KeyDetails] = MappingProxyType(
    {
        "PKIX_ECDSA_P256_SHA_256": KeyDetails("ecdsa-p256", "sha256"),
        "PKIX_ECDSA_P384_SHA_384": KeyDetails("ecdsa-p384", "sha384"),
        "PKIX_ECDSA_P521_SHA_512": KeyDetails("ecdsa-p521", "sha512"),
        "PKIX_RSA_PKCS1V15_2048_SHA256": KeyDetails("rsa-2048", "sha256"),
        "PKIX_RSA_PKCS1V15_3072_SHA256": KeyDetails("rsa-3072", "sha256"),
        "PKIX_RSA_PKCS1V15_4096_SHA256": KeyDetails("rsa-4096", "sha256"),
        "PKIX_ED25519": KeyDetails("ed25519", "sha512"),
        "PKIX_ED25519_PH": KeyDetails("ed25519", "sha512"),
    }
)

#: curve name → (``key_spec``, hash that goes with the curve)
_CURVES = {
    "secp256r1": ("ecdsa-p256", "sha256"),
    "secp384r1": ("ecdsa-p384", "sha384"),
    "secp521r1": ("ecdsa-p521", "sha512"),
}
_HASHES: Mapping[str, hashes.HashAlgorithm] = {
    h.name: h for h in (hashes.SHA256(), hashes.SHA384(), hashes.SHA512())
}
_ECDSA = {name: ec.ECDSA(h) for name, h in _HASHES.items()}
_ECDSA_PREHASHED = {name: ec.ECDSA(utils.Prehashed(h)) for name, h in _HASHES.items()}
_RSA_PREHASHED = {name: utils.Prehashed(h) for name, h in _HASHES.items()}
_PKCS1V15 = padding.PKCS1v15()
_MIN_RSA_BITS = 2048
_FULCIO_USERNAME_SAN = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.7")
_SAN_TYPES = (x509.RFC822Name, x509.UniformResourceIdentifier, x509.DNSName, x509.IPAddress)
_SAN_ORDER: dict[type, int] = {t: i for i, t in enumerate((*_SAN_TYPES, x509.OtherName))}


def _error(cls: type[FormatError], field: str, expected: str, found: str) -> FormatError:
    """ARCHITECTURE §5: every refusal says what was expected and what was found."""
    return cls(f"expected {expected}, found {found}", field=field)


def _checked(key: object, *, field: str) -> PublicKey:
    """``key`` if it is of a type and size the log accepts, else ``UnsupportedError``."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVES:
            raise _error(UnsupportedError, field, "ECDSA P-256/384/521", key.curve.name)
        return key
    if isinstance(key, RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise _error(UnsupportedError, field, "RSA ≥ 2048 bits", f"{key.key_size} bits")
        return key
    if isinstance(key, Ed25519PublicKey):
        return key
    found = type(key).__name__.removeprefix("_")
    raise _error(UnsupportedError, field, "an ECDSA, RSA or Ed25519 public key", found)


def load_der_spki(data: bytes, *, field: str) -> PublicKey:
    """A DER ``SubjectPublicKeyInfo`` (RFC 5280 §4.1.2.7), as Rekor v2 ``publicKey.rawBytes``."""
    try:
        key = serialization.load_der_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        found = f"{len(data)} bytes that do not parse as one"
        raise _error(FormatError, field, "a DER SubjectPublicKeyInfo", found) from exc
    return _checked(key, field=field)


def load_der_certificate(data: bytes, *, field: str) -> tuple[PublicKey, x509.Certificate]:
    """A DER X.509 certificate and its public key, as Rekor v2 ``x509Certificate.rawBytes``."""
    try:
        cert = x509.load_der_x509_certificate(data)
    except ValueError as exc:
        found = f"{len(data)} bytes that do not parse as one"
        raise _error(FormatError, field, "a DER X.509 certificate", found) from exc
    return _certificate_key(cert, field=field), cert


def _certificate_key(cert: x509.Certificate, *, field: str) -> PublicKey:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        found = f"a key that cannot be loaded ({exc})"
        raise _error(UnsupportedError, field, "a certificate for a supported key", found) from exc
    return _checked(key, field=field)


def load_public_key(data: bytes, *, field: str) -> tuple[PublicKey, x509.Certificate | None]:
    """Load a PEM public key, PEM certificate, DER SPKI or DER certificate.

    Returns the key and, when ``data`` was a certificate, the certificate. This is what
    Rekor v1 ``publicKey.content`` and DSSE ``verifiers`` carry (Rekor ``pkg/pki/x509``).
    """
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN "):
        label = stripped[11 : stripped.find(b"-----", 11)].decode("ascii", "replace")
        try:
            if label == "CERTIFICATE":
                cert = x509.load_pem_x509_certificate(stripped)
                return _certificate_key(cert, field=field), cert
            if label.endswith("PUBLIC KEY"):
                return _checked(serialization.load_pem_public_key(stripped), field=field), None
        except (ValueError, UnsupportedAlgorithm) as exc:
            found = f"a {label!r} block that does not parse"
            raise _error(FormatError, field, f"a valid PEM {label.lower()}", found) from exc
        found = f"a {label[:40]!r} block"
        raise _error(FormatError, field, "a PEM 'PUBLIC KEY' or 'CERTIFICATE' block", found)
    try:
        return load_der_spki(data, field=field), None
    except UnsupportedError:
        raise
    except FormatError:
        pass
    try:
        return load_der_certificate(data, field=field)
    except UnsupportedError:
        raise
    except FormatError:
        expected = "a PEM public key or certificate, or a DER SubjectPublicKeyInfo or certificate"
        raise _error(FormatError, field, expected, f"{len(data)} bytes of neither") from None


def spki_der(key: PublicKey) -> bytes:
    """The DER ``SubjectPublicKeyInfo`` of ``key`` (what ``key:`` index entries hash)."""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def to_pem(key: PublicKey, cert: x509.Certificate | None = None) -> bytes:
    """Canonical PEM of the certificate if there is one, else of the ``PUBLIC KEY``.

    As Rekor's ``CanonicalValue()`` (``pkg/pki/x509``): 64-column lines, final newline.
    """
    if cert is not None:
        return cert.public_bytes(serialization.Encoding.PEM)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_spec(key: PublicKey) -> str:
    """``"ecdsa-p256"``, ``"rsa-3072"``, ``"ed25519"``…: the key part of ``KeyDetails``."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _CURVES.get(key.curve.name, (f"ecdsa-{key.curve.name}",))[0]
    if isinstance(key, RSAPublicKey):
        return f"rsa-{key.key_size}"
    return "ed25519"


def check_key_details(key: PublicKey, key_details: str, *, field: str) -> str:
    """Check ``key`` is what the ``PublicKeyDetails`` name says; return that name's hash.

    Unknown names and mismatching keys raise ``UnsupportedError`` naming ``field``.
    """
    details = KEY_DETAILS.get(key_details)
    if details is None:
        expected = f"one of {', '.join(KEY_DETAILS)}"
        raise _error(UnsupportedError, field, expected, repr(key_details[:60]))
    found = key_spec(key)
    if found != details.key:
        expected = f"a {details.key} key for {key_details}"
        raise _error(UnsupportedError, field, expected, f"a {found} key")
    return details.hash_name


def _describe(key: PublicKey) -> str:
    return f"{key_spec(key)} key sha256:{hashlib.sha256(spki_der(key)).hexdigest()[:16]}…"


def verify_signature(key: PublicKey, signature: bytes, data: bytes, *, field: str) -> None:
    """Verify ``signature`` over the message ``data`` (e.g. a DSSE PAE).

    The hash follows the key (protobuf-specs ``PublicKeyDetails``): P-256 → SHA-256,
    P-384 → SHA-384, P-521 → SHA-512, RSA PKCS#1 v1.5 → SHA-256, Ed25519 pure.
    """
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, _ECDSA[_CURVES[key.curve.name][1]])
        elif isinstance(key, RSAPublicKey):
            key.verify(signature, data, _PKCS1V15, _HASHES["sha256"])
        else:
            key.verify(signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(
            f"expected a signature by the {_describe(key)} over the message, "
            "found one that does not verify",
            field=field,
        ) from exc


def verify_prehashed(
    key: PublicKey, signature: bytes, digest: bytes, hash_name: str, *, field: str
) -> None:
    """Verify ``signature`` over an already computed ``hash_name`` ``digest`` (hashedrekord).

    Ed25519 raises ``UnsupportedError``: ``cryptography`` has no Ed25519ph (RFC 8032 §5.1).
    """
    algorithm = _HASHES.get(hash_name)
    if algorithm is None:
        raise _error(UnsupportedError, field, "sha256, sha384 or sha512", repr(hash_name[:20]))
    if len(digest) != algorithm.digest_size:
        expected = f"a {algorithm.digest_size}-byte {hash_name} digest"
        raise _error(FormatError, field, expected, f"{len(digest)} bytes")
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, _ECDSA_PREHASHED[hash_name])
        elif isinstance(key, RSAPublicKey):
            key.verify(signature, digest, _PKCS1V15, _RSA_PREHASHED[hash_name])
        else:
            found = "an Ed25519 key (Ed25519ph is not supported)"
            raise _error(UnsupportedError, field, "an ECDSA or RSA key to check a digest", found)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(
            f"expected a signature by the {_describe(key)} over the {hash_name} digest "
            f"{digest.hex()[:16]}…, found one that does not verify",
            field=field,
        ) from exc


def _utf8_string(der: bytes) -> str | None:
    """Decode a DER UTF8String TLV (tag 0x0C), as Fulcio's username otherName carries."""
    if len(der) < 2 or der[0] != 0x0C:
        return None
    size = der[1] & 0x7F if der[1] & 0x80 else 0
    length = int.from_bytes(der[2 : 2 + size], "big") if size else der[1]
    if 2 + size + length != len(der):
        return None
    try:
        return der[2 + size :].decode()
    except UnicodeDecodeError:
        return None


def certificate_identities(cert: x509.Certificate) -> list[str]:
    """The certificate's SAN values for the search index, as Rekor's ``Subjects()``.

    Emails, URIs, DNS names, IP addresses, then Fulcio's username otherName
    (OID 1.3.6.1.4.1.57264.1.7), without duplicates (``cryptoutils.GetSubjectAlternateNames``).
    """
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):  # none, or malformed: nothing to index
        return []
    buckets: tuple[list[str], ...] = ([], [], [], [], [])
    for name in san:
        order = _SAN_ORDER.get(type(name))
        if isinstance(name, x509.OtherName):
            text = _utf8_string(name.value) if name.type_id == _FULCIO_USERNAME_SAN else None
        else:
            text = str(name.value)
        if order is not None and text is not None:
            buckets[order].append(text)
    return list(dict.fromkeys(value for bucket in buckets for value in bucket))
