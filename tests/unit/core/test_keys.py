"""Key loading, key details, signature checks and certificate identities."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID
from sigstore_models.common.v1 import PublicKeyDetails

from sigstack.core import keys
from sigstack.errors import FormatError, SignatureError, UnsupportedError

EMAIL = "Alice@Example.com"
URI = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@cache
def private_key(kind: str) -> PrivateKey:
    if kind.startswith("p"):
        curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}[kind]
        return ec.generate_private_key(curve)
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:]))
    return ed25519.Ed25519PrivateKey.generate()


def certificate(key: PrivateKey, *names: x509.GeneralName) -> x509.Certificate:
    """A self-signed certificate with a fixed validity window (no wall clock)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sigstack test")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(minutes=10))
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=True)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


def sign(key: PrivateKey, data: bytes, prehashed: str | None = None) -> bytes:
    """Sign ``data``, or the ``prehashed`` digest ``data``, with the key's usual hash."""
    name = prehashed or {256: "sha256", 384: "sha384", 521: "sha512"}.get(
        getattr(key, "key_size", 0), "sha256"
    )
    algorithm = utils.Prehashed(_HASHES[name]) if prehashed else _HASHES[name]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    return key.sign(data)


KINDS = ["p256", "p384", "p521", "rsa2048", "rsa3072", "ed25519"]
NAMES = ["ECDSA_P256_SHA_256", "ECDSA_P384_SHA_384", "ECDSA_P521_SHA_512"]
NAMES += ["RSA_PKCS1V15_2048_SHA256", "RSA_PKCS1V15_3072_SHA256", "ED25519"]
DETAILS = {kind: f"PKIX_{name}" for kind, name in zip(KINDS, NAMES, strict=True)}
F = "spec.x"


@cache
def _encodings(kind: str) -> dict[str, bytes]:
    key = private_key(kind)
    cert = certificate(key, x509.RFC822Name(EMAIL))
    enc, spki = serialization.Encoding, serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        "pem-key": key.public_key().public_bytes(enc.PEM, spki),
        "der-key": key.public_key().public_bytes(enc.DER, spki),
        "pem-cert": cert.public_bytes(enc.PEM),
        "der-cert": cert.public_bytes(enc.DER),
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["pem-key", "der-key", "pem-cert", "der-cert"])
def test_load_public_key_accepts_pem_and_der_keys_and_certificates(
    kind: str, encoding: str
) -> None:
    data = _encodings(kind)[encoding]
    key, cert = keys.load_public_key(data, field=F)
    assert keys.spki_der(key) == _encodings(kind)["der-key"]
    assert (cert is not None) == encoding.endswith("cert")


def test_load_public_key_tolerates_leading_whitespace_and_a_trailing_chain() -> None:
    pem = _encodings("p256")["pem-cert"]
    key, cert = keys.load_public_key(b"\n  " + pem + _encodings("p384")["pem-cert"], field=F)
    assert cert is not None
    assert keys.key_spec(key) == "ecdsa-p256"


def _spki(public_key: object) -> bytes:
    der = serialization.Encoding.DER
    return public_key.public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined,no-any-return]


def _private_pem() -> bytes:
    pkcs8, plain = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    return private_key("p256").private_bytes(serialization.Encoding.PEM, pkcs8, plain)


def _pem(label: str) -> bytes:
    return f"-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n".encode()


# id: (data, error, message fragment)
LOAD_REFUSALS: dict[str, tuple[Callable[[], bytes], type[Exception], str]] = {
    "empty": (lambda: b"", FormatError, "found 0 bytes of neither"),
    "garbage": (lambda: b"not a key", FormatError, "found 9 bytes of neither"),
    "pem-private-key": (_private_pem, FormatError, "found a 'PRIVATE KEY' block"),
    "pem-public-key-corrupt": (lambda: _pem("PUBLIC KEY"), FormatError, "does not parse"),
    "pem-certificate-corrupt": (lambda: _pem("CERTIFICATE"), FormatError, "does not parse"),
    "dsa-key": (
        lambda: _spki(dsa.generate_private_key(2048).public_key()),
        UnsupportedError,
        "DSA",
    ),
    "secp256k1-key": (
        lambda: _spki(ec.generate_private_key(ec.SECP256K1()).public_key()),
        UnsupportedError,
        "found secp256k1",
    ),
    "ed448-key": (
        lambda: _spki(ed448.Ed448PrivateKey.generate().public_key()),
        UnsupportedError,
        "Ed448",
    ),
    "rsa-1024-key": (
        lambda: _spki(rsa.generate_private_key(65537, 1024).public_key()),
        UnsupportedError,
        "found 1024 bits",
    ),
}


@pytest.mark.parametrize(("data", "error", "message"), LOAD_REFUSALS.values(), ids=LOAD_REFUSALS)
def test_load_public_key_refuses(
    data: Callable[[], bytes], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as raised:
        keys.load_public_key(data(), field=F)
    assert raised.value.field == F  # type: ignore[attr-defined]
    assert "expected" in str(raised.value)


@pytest.mark.parametrize(
    ("load", "data", "expected"),
    [
        (keys.load_der_certificate, "der-key", r"expected a DER X\.509 certificate"),
        (keys.load_der_spki, "der-cert", "expected a DER SubjectPublicKeyInfo"),
    ],
)
def test_der_loaders_refuse_the_other_structure(load: Any, data: str, expected: str) -> None:
    with pytest.raises(FormatError, match=expected):
        load(_encodings("p256")[data], field=F)


def test_to_pem_reproduces_the_pem_cryptography_writes() -> None:
    enc = _encodings("p384")
    key, cert = keys.load_public_key(enc["der-cert"], field=F)
    assert keys.to_pem(key, cert) == enc["pem-cert"]
    assert keys.to_pem(key) == enc["pem-key"]


def test_key_details_names_are_protobuf_specs_names() -> None:
    names = {d.value for d in PublicKeyDetails}
    assert set(keys.KEY_DETAILS) <= names
    assert len(keys.KEY_DETAILS) == 8


@pytest.mark.parametrize(("kind", "details"), [*DETAILS.items(), ("ed25519", "PKIX_ED25519_PH")])
def test_check_key_details_returns_the_hash(kind: str, details: str) -> None:
    key = keys.load_der_spki(_encodings(kind)["der-key"], field=F)
    expected = {"p384": "sha384", "p521": "sha512", "ed25519": "sha512"}.get(kind, "sha256")
    assert keys.check_key_details(key, details, field=F) == expected


DETAIL_REFUSALS = {  # id: (key, keyDetails, message fragment)
    "p384-key-p256-details": ("p384", "PKIX_ECDSA_P256_SHA_256", "expected a ecdsa-p256 key"),
    "rsa3072-key-2048-details": ("rsa3072", "PKIX_RSA_PKCS1V15_2048_SHA256", "found a rsa-3072"),
    "p256-key-ed25519-details": ("p256", "PKIX_ED25519", "found a ecdsa-p256 key"),
    "deprecated-details": ("p256", "PKIX_ECDSA_P384_SHA_256", "expected one of"),
    "rsa-pss-details": ("p256", "PKIX_RSA_PSS_2048_SHA256", "expected one of"),
    "unknown-details": ("p256", "nonsense", "found 'nonsense'"),
}


@pytest.mark.parametrize(
    ("kind", "details", "message"), DETAIL_REFUSALS.values(), ids=DETAIL_REFUSALS
)
def test_check_key_details_refuses(kind: str, details: str, message: str) -> None:
    key = keys.load_der_spki(_encodings(kind)["der-key"], field=F)
    with pytest.raises(UnsupportedError, match=message) as raised:
        keys.check_key_details(key, details, field=F)
    assert raised.value.field == F


@pytest.mark.parametrize("kind", KINDS)
def test_verify_signature_over_a_message(kind: str) -> None:
    signer = private_key(kind)
    key = keys.load_der_spki(_encodings(kind)["der-key"], field=F)
    signature = sign(signer, b"message")
    keys.verify_signature(key, signature, b"message", field=F)
    with pytest.raises(SignatureError, match="does not verify") as raised:
        keys.verify_signature(key, signature, b"other message", field=F)
    assert raised.value.field == F


def test_verify_signature_refuses_a_malformed_signature() -> None:
    key = keys.load_der_spki(_encodings("p256")["der-key"], field=F)
    with pytest.raises(SignatureError, match="ecdsa-p256 key sha256:"):
        keys.verify_signature(key, b"\x30\x00", b"message", field=F)


PREHASHED = [("p256", "sha256"), ("p384", "sha384"), ("p521", "sha512"), ("rsa2048", "sha256")]


@pytest.mark.parametrize(("kind", "hash_name"), [*PREHASHED, ("p256", "sha512")])
def test_verify_prehashed(kind: str, hash_name: str) -> None:
    key = keys.load_der_spki(_encodings(kind)["der-key"], field=F)
    digest = hashlib.new(hash_name, b"artifact").digest()
    signature = sign(private_key(kind), digest, hash_name)
    keys.verify_prehashed(key, signature, digest, hash_name, field=F)
    other = hashlib.new(hash_name, b"other").digest()
    with pytest.raises(SignatureError, match=f"over the {hash_name} digest {other.hex()[:16]}"):
        keys.verify_prehashed(key, signature, other, hash_name, field=F)


PREHASHED_REFUSALS = {  # id: (key, digest, hash name, error, message fragment)
    "digest-too-short": (
        "p256",
        bytes(31),
        "sha256",
        FormatError,
        "32-byte sha256 digest, found 31",
    ),
    "hash-md5": ("p256", bytes(32), "md5", UnsupportedError, "found 'md5'"),
    "ed25519": ("ed25519", bytes(64), "sha512", UnsupportedError, "Ed25519ph is not supported"),
}


@pytest.mark.parametrize(
    ("kind", "digest", "hash_name", "error", "message"),
    PREHASHED_REFUSALS.values(),
    ids=PREHASHED_REFUSALS,
)
def test_verify_prehashed_refuses(
    kind: str, digest: bytes, hash_name: str, error: type[Exception], message: str
) -> None:
    key = keys.load_der_spki(_encodings(kind)["der-key"], field=F)
    with pytest.raises(error, match=message) as raised:
        keys.verify_prehashed(key, b"\x00" * 64, digest, hash_name, field=F)
    assert raised.value.field == F  # type: ignore[attr-defined]


def test_certificate_identities_lists_every_san_kind_in_order() -> None:
    cert = certificate(
        private_key("p256"),
        x509.OtherName(keys._FULCIO_USERNAME_SAN, b"\x0c\x05alice"),
        x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
        x509.DNSName("build.example.com"),
        x509.UniformResourceIdentifier(URI),
        x509.RFC822Name(EMAIL),
    )
    expected = [EMAIL, URI, "build.example.com", "192.0.2.7", "alice"]
    assert keys.certificate_identities(cert) == expected


def test_certificate_identities_without_san_is_empty() -> None:
    assert keys.certificate_identities(certificate(private_key("p256"))) == []


def test_certificate_identities_skips_other_names_it_cannot_read() -> None:
    cert = certificate(
        private_key("p256"),
        x509.OtherName(x509.ObjectIdentifier("1.2.3.4"), b"\x0c\x01x"),
        x509.OtherName(keys._FULCIO_USERNAME_SAN, b"\x04\x01x"),  # OCTET STRING, not UTF8String
        x509.OtherName(keys._FULCIO_USERNAME_SAN, b"\x0c\x81\x80" + b"u" * 128),  # long form
        x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
        x509.RFC822Name("dup@example.com"),
        x509.RFC822Name("dup@example.com"),
    )
    assert keys.certificate_identities(cert) == ["dup@example.com", "2001:db8::1", "u" * 128]
