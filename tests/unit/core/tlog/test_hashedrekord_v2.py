"""hashedrekord 0.0.2 (Rekor v2 ``hashedRekordRequestV002``): happy paths and refusals."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from sigstack.core.tlog.entries import parse_create_entry_request_v2
from sigstack.errors import FormatError, SignatureError, UnsupportedError

from .builders import (
    IDENTITY_KEYS,
    b64,
    cert_der,
    certificate,
    der_of,
    dsa_public_pem,
    dumps,
    fulcio_like_certificate,
    hashedrekord_v2,
    other_key,
    pem_of,
    private_key,
    sign_digest,
    spki_hash,
)
from .helpers import DELETE, assert_canonical, assert_v2_model, expect_error, mutate

V2 = "hashedRekordRequestV002"
DIGEST = hashlib.sha256(b"artifact").digest()


def test_with_public_key() -> None:
    key = private_key("p256")
    request = hashedrekord_v2(key, "PKIX_ECDSA_P256_SHA_256")
    entry = parse_create_entry_request_v2(dumps(request))
    assert (entry.kind, entry.api_version) == ("hashedrekord", "0.0.2")
    assert_v2_model(entry)
    body = assert_canonical(entry)
    verifier = {
        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
        "publicKey": {"rawBytes": b64(der_of(key))},
    }
    assert body["spec"] == {
        "hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": b64(DIGEST)},
            "signature": {"content": request[V2]["signature"]["content"], "verifier": verifier},
        }
    }
    assert entry.index_keys == {f"hash:sha256:{DIGEST.hex()}", f"key:{spki_hash(key)}"}


def test_with_certificate_as_sigstore_python_sends_it() -> None:
    key = private_key("p256")
    cert = fulcio_like_certificate(key)
    request = hashedrekord_v2(key, "PKIX_ECDSA_P256_SHA_256", cert=cert)
    entry = parse_create_entry_request_v2(dumps(request))
    assert_v2_model(entry)
    verifier = json.loads(entry.body)["spec"]["hashedRekordV002"]["signature"]["verifier"]
    assert verifier == {
        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
        "x509Certificate": {"rawBytes": b64(cert_der(cert))},
    }
    expected = {f"hash:sha256:{DIGEST.hex()}", f"key:{spki_hash(key)}"} | IDENTITY_KEYS
    assert entry.index_keys == expected


@pytest.mark.parametrize(
    ("kind", "details", "hash_name", "algorithm"),
    [
        ("p384", "PKIX_ECDSA_P384_SHA_384", "sha384", "SHA2_384"),
        ("p521", "PKIX_ECDSA_P521_SHA_512", "sha512", "SHA2_512"),
        ("rsa2048", "PKIX_RSA_PKCS1V15_2048_SHA256", "sha256", "SHA2_256"),
        ("rsa3072", "PKIX_RSA_PKCS1V15_3072_SHA256", "sha256", "SHA2_256"),
        ("rsa4096", "PKIX_RSA_PKCS1V15_4096_SHA256", "sha256", "SHA2_256"),
    ],
)
def test_key_details(kind: str, details: str, hash_name: str, algorithm: str) -> None:
    key = private_key(kind)
    entry = parse_create_entry_request_v2(dumps(hashedrekord_v2(key, details, hash_name=hash_name)))
    assert_v2_model(entry)
    assert json.loads(entry.body)["spec"]["hashedRekordV002"]["data"]["algorithm"] == algorithm
    digest = hashlib.new(hash_name, b"artifact").hexdigest()
    assert entry.index_keys == {f"hash:{hash_name}:{digest}", f"key:{spki_hash(key)}"}


def test_compressed_point_key_is_indexed_by_its_canonical_spki() -> None:
    key = private_key("p256")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    algorithm = der_of(key)[2:23]  # SEQUENCE {id-ecPublicKey, prime256v1}
    compressed = bytes([0x30, 21 + 3 + 33]) + algorithm + bytes([0x03, 34, 0x00]) + point
    path = f"{V2}.signature.verifier.publicKey.rawBytes"
    request = mutate(hashedrekord_v2(key, "PKIX_ECDSA_P256_SHA_256"), path, b64(compressed))
    entry = parse_create_entry_request_v2(dumps(request))
    assert f"key:{spki_hash(key)}" in entry.index_keys
    verifier = json.loads(entry.body)["spec"]["hashedRekordV002"]["signature"]["verifier"]
    assert verifier["publicKey"]["rawBytes"] == b64(compressed)  # logged as submitted


def _request(kind: str = "p256", details: str = "PKIX_ECDSA_P256_SHA_256", **kw: Any) -> Any:
    return hashedrekord_v2(private_key(kind), details, **kw)


S, V = f"{V2}.signature", f"{V2}.signature.verifier"
ED25519_DER = b64(der_of(private_key("ed25519")))
OTHER_SIGNATURE = b64(sign_digest(other_key(), DIGEST, "sha256"))
# id: (path, new value, error, field (None: the path), message fragment)
MUTATIONS: dict[str, tuple[str, object, type[Exception], str | None, str]] = {
    "digest-missing": (f"{V2}.digest", DELETE, FormatError, None, "found nothing"),
    "digest-not-base64": (f"{V2}.digest", "%%%%", FormatError, None, "standard base64"),
    "digest-48-bytes-for-p256": (
        f"{V2}.digest",
        b64(bytes(48)),
        FormatError,
        None,
        "expected a 32-byte sha256 digest, as PKIX_ECDSA_P256_SHA_256 requires, found 48 bytes",
    ),
    "digest-of-other-artifact": (
        f"{V2}.digest",
        b64(bytes(32)),
        SignatureError,
        f"{S}.content",
        "does not verify",
    ),
    "signature-missing": (S, DELETE, FormatError, None, "expected an object"),
    "signature-content-empty": (f"{S}.content", "", FormatError, None, "non-empty base64"),
    "signature-by-other-key": (
        f"{S}.content",
        OTHER_SIGNATURE,
        SignatureError,
        None,
        "does not verify",
    ),
    "verifier-missing": (V, DELETE, FormatError, None, "expected an object"),
    "keyDetails-missing": (f"{V}.keyDetails", DELETE, FormatError, None, "found nothing"),
    "keyDetails-number": (f"{V}.keyDetails", 5, FormatError, None, "found the number 5"),
    "keyDetails-unknown": (
        f"{V}.keyDetails",
        "PKIX_ECDSA_P256_HMAC_SHA_256",
        UnsupportedError,
        None,
        "expected one of PKIX_ECDSA_P256_SHA_256",
    ),
    "keyDetails-p384-for-p256-key": (
        f"{V}.keyDetails",
        "PKIX_ECDSA_P384_SHA_384",
        UnsupportedError,
        None,
        "expected a ecdsa-p384 key for PKIX_ECDSA_P384_SHA_384, found a ecdsa-p256 key",
    ),
    "verifier-key-and-certificate": (
        f"{V}.x509Certificate",
        {"rawBytes": b64(cert_der(certificate(private_key("p256"))))},
        FormatError,
        V,
        "expected exactly one of publicKey or x509Certificate, found both",
    ),
    "verifier-neither": (f"{V}.publicKey", DELETE, FormatError, V, "found neither"),
    "publicKey-rawBytes-missing": (
        f"{V}.publicKey",
        {},
        FormatError,
        f"{V}.publicKey.rawBytes",
        "nothing",
    ),
    "publicKey-is-a-certificate": (
        f"{V}.publicKey.rawBytes",
        b64(cert_der(certificate(private_key("p256")))),
        FormatError,
        None,
        "expected a DER SubjectPublicKeyInfo",
    ),
    "publicKey-is-pem": (
        f"{V}.publicKey.rawBytes",
        b64(pem_of(private_key("p256"))),
        FormatError,
        None,
        "expected a DER SubjectPublicKeyInfo",
    ),
    "request-is-string": (V2, "x", FormatError, None, "expected an object, found the string 'x'"),
}


@pytest.mark.parametrize(
    ("path", "value", "error", "field", "fragment"), MUTATIONS.values(), ids=MUTATIONS
)
def test_refuses_mutation(
    path: str, value: object, error: type[Exception], field: str | None, fragment: str
) -> None:
    request = mutate(_request(), path, value)
    expect_error(parse_create_entry_request_v2, request, error, field or path, fragment)


def test_refuses_ed25519_key_details() -> None:
    """Pure Ed25519 was removed from rekor-tiles' registry; Ed25519ph needs what we lack."""
    for details in ("PKIX_ED25519", "PKIX_ED25519_PH"):
        request = mutate(
            mutate(_request(), f"{V}.publicKey.rawBytes", ED25519_DER), f"{V}.keyDetails", details
        )
        fragment = f"found {details} (pure Ed25519 cannot sign a digest"
        expect_error(
            parse_create_entry_request_v2, request, UnsupportedError, f"{V}.keyDetails", fragment
        )


def test_refuses_a_dsa_key() -> None:
    der = serialization.load_pem_public_key(dsa_public_pem()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    request = mutate(_request(), f"{V}.publicKey.rawBytes", b64(der))
    expect_error(
        parse_create_entry_request_v2, request, UnsupportedError, f"{V}.publicKey.rawBytes", "DSA"
    )


def test_refuses_certificate_that_is_an_spki() -> None:
    request = mutate(_request(), f"{V}.publicKey", DELETE)
    request = mutate(
        request, f"{V}.x509Certificate", {"rawBytes": b64(der_of(private_key("p256")))}
    )
    field = f"{V}.x509Certificate.rawBytes"
    expect_error(
        parse_create_entry_request_v2, request, FormatError, field, "DER X.509 certificate"
    )


def test_refuses_a_p384_request_with_a_sha256_digest() -> None:
    request = _request("p384", "PKIX_ECDSA_P384_SHA_384", hash_name="sha384")
    request = mutate(request, f"{V2}.digest", b64(DIGEST))
    expect_error(
        parse_create_entry_request_v2, request, FormatError, f"{V2}.digest", "48-byte sha384"
    )
