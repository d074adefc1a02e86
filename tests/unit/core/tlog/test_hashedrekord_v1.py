"""hashedrekord 0.0.1 (Rekor v1 ``ProposedEntry``): happy paths and refusals."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
import rekor_types

from sigstack.core.tlog.entries import parse_proposed_entry_v1
from sigstack.errors import FormatError, SignatureError, UnsupportedError

from .builders import (
    IDENTITY_KEYS,
    b64,
    cert_pem,
    certificate,
    dsa_public_pem,
    dumps,
    fulcio_like_certificate,
    hashedrekord_v1,
    other_key,
    pem_of,
    private_key,
    secp256k1_public_pem,
    sign_digest,
    spki_hash,
)
from .helpers import DELETE, assert_canonical, assert_v1_model, expect_error, mutate

DIGEST = hashlib.sha256(b"artifact").hexdigest()
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_with_certificate_as_sigstore_python_sends_it() -> None:
    key = private_key("p256")
    cert = fulcio_like_certificate(key)
    request = hashedrekord_v1(key, cert_pem(cert))
    entry = parse_proposed_entry_v1(dumps(request))
    assert (entry.kind, entry.api_version) == ("hashedrekord", "0.0.1")
    assert_v1_model(rekor_types.Hashedrekord, entry)
    body = assert_canonical(entry)
    assert body["spec"] == {
        "data": {"hash": {"algorithm": "sha256", "value": DIGEST}},
        "signature": {
            "content": request["spec"]["signature"]["content"],
            "publicKey": {"content": b64(cert_pem(cert))},
        },
    }
    expected = {f"hash:sha256:{DIGEST}", f"key:{spki_hash(key)}"} | IDENTITY_KEYS
    assert entry.index_keys == expected


def test_with_public_key() -> None:
    key = private_key("p256")
    entry = parse_proposed_entry_v1(dumps(hashedrekord_v1(key, pem_of(key))))
    assert_v1_model(rekor_types.Hashedrekord, entry)
    public_key = json.loads(entry.body)["spec"]["signature"]["publicKey"]
    assert public_key == {"content": b64(pem_of(key))}
    assert entry.index_keys == {f"hash:sha256:{DIGEST}", f"key:{spki_hash(key)}"}


@pytest.mark.parametrize(
    ("kind", "hash_name"),
    [("p384", "sha384"), ("p521", "sha512"), ("rsa2048", "sha256"), ("rsa4096", "sha256")],
)
def test_registry_key_and_hash_pairs(kind: str, hash_name: str) -> None:
    key = private_key(kind)
    entry = parse_proposed_entry_v1(dumps(hashedrekord_v1(key, pem_of(key), hash_name=hash_name)))
    digest = hashlib.new(hash_name, b"artifact").hexdigest()
    assert json.loads(entry.body)["spec"]["data"]["hash"] == {
        "algorithm": hash_name,
        "value": digest,
    }
    assert f"hash:{hash_name}:{digest}" in entry.index_keys
    assert_v1_model(rekor_types.Hashedrekord, entry)


def test_public_key_is_logged_as_canonical_pem_like_rekor() -> None:
    """CRLF line ends and a trailing chain are dropped: Rekor logs ``CanonicalValue()``."""
    key = private_key("p256")
    cert = certificate(key)
    submitted = cert_pem(cert).replace(b"\n", b"\r\n") + cert_pem(certificate(private_key("p384")))
    entry = parse_proposed_entry_v1(dumps(hashedrekord_v1(key, submitted)))
    logged = json.loads(entry.body)["spec"]["signature"]["publicKey"]["content"]
    assert logged == b64(cert_pem(cert))


def test_signature_base64_is_re_encoded() -> None:
    """Non-zero padding bits decode to the same bytes; the log stores the canonical form."""
    key = private_key("p256")
    content, request = "", {}
    while not content.endswith("="):  # DER ECDSA signatures are 70 to 72 bytes: want padding
        request = hashedrekord_v1(key, pem_of(key))
        content = request["spec"]["signature"]["content"]
    end = len(content.rstrip("="))  # the last data character has unused low bits
    last = B64_ALPHABET.index(content[end - 1])
    sloppy = content[: end - 1] + B64_ALPHABET[last | 1] + content[end:]
    assert sloppy != content and base64.b64decode(sloppy) == base64.b64decode(content)
    entry = parse_proposed_entry_v1(dumps(mutate(request, "spec.signature.content", sloppy)))
    assert json.loads(entry.body)["spec"]["signature"]["content"] == content


def _request() -> dict[str, Any]:
    key = private_key("p256")
    return hashedrekord_v1(key, pem_of(key))


S, H = "spec.signature", "spec.data.hash"
# id: (path, new value, error, field (None: the path), message fragment)
MUTATIONS: dict[str, tuple[str, object, type[Exception], str | None, str]] = {
    "spec-missing": ("spec", DELETE, FormatError, None, "found nothing"),
    "spec-is-array": ("spec", [], FormatError, None, "found an array of 0 items"),
    "signature-missing": (S, DELETE, FormatError, None, "expected an object"),
    "signature-content-missing": (f"{S}.content", DELETE, FormatError, None, "found nothing"),
    "signature-content-empty": (f"{S}.content", "", FormatError, None, "non-empty base64"),
    "signature-content-number": (f"{S}.content", 5, FormatError, None, "found the number 5"),
    "signature-content-not-base64": (f"{S}.content", "!!!!", FormatError, None, "standard base64"),
    "signature-content-urlsafe": (f"{S}.content", "-_-_", FormatError, None, "standard base64"),
    "signature-content-unpadded": (f"{S}.content", "QQ", FormatError, None, "standard base64"),
    "signature-content-newline": (f"{S}.content", "QUFB\nQUFB", FormatError, None, "base64"),
    "signature-content-non-ascii": (f"{S}.content", "QUFBé", FormatError, None, "base64"),
    "publicKey-missing": (f"{S}.publicKey", DELETE, FormatError, None, "found nothing"),
    "publicKey-not-a-key": (f"{S}.publicKey.content", b64(b"hi"), FormatError, None, "PEM public"),
    "data-missing": ("spec.data", DELETE, FormatError, None, "expected an object"),
    "hash-missing": (H, DELETE, FormatError, None, "expected an object"),
    "hash-algorithm-md5": (f"{H}.algorithm", "md5", UnsupportedError, None, "sha512, found the"),
    "hash-algorithm-uppercase": (f"{H}.algorithm", "SHA256", UnsupportedError, None, "'SHA256'"),
    "hash-value-uppercase": (f"{H}.value", DIGEST.upper(), FormatError, None, "lower-case hex"),
    "hash-value-too-short": (f"{H}.value", DIGEST[:-2], FormatError, None, "64 lower-case hex"),
    "hash-value-not-hex": (f"{H}.value", "z" * 64, FormatError, None, "64 lower-case hex"),
    "hash-value-sha512-length": (f"{H}.value", "0" * 128, FormatError, None, "a sha256 digest"),
    "hash-value-array": (f"{H}.value", [DIGEST], FormatError, None, "an array of 1 items"),
    "hash-value-of-other-artifact": (
        f"{H}.value",
        hashlib.sha256(b"other").hexdigest(),
        SignatureError,
        f"{S}.content",
        "does not verify",
    ),
    "publicKey-ed25519": (
        f"{S}.publicKey.content",
        b64(pem_of(private_key("ed25519"))),
        UnsupportedError,
        f"{S}.content",
        "Ed25519ph is not supported",
    ),
}


@pytest.mark.parametrize(
    ("path", "value", "error", "field", "fragment"), MUTATIONS.values(), ids=MUTATIONS
)
def test_refuses_mutation(
    path: str, value: object, error: type[Exception], field: str | None, fragment: str
) -> None:
    request = mutate(_request(), path, value)
    expect_error(parse_proposed_entry_v1, request, error, field or path, fragment)


def _signed_by(signer: Any, public: bytes, hash_name: str = "sha256") -> dict[str, Any]:
    request = hashedrekord_v1(private_key("p256"), public, hash_name=hash_name)
    signature = sign_digest(signer, hashlib.new(hash_name, b"artifact").digest(), hash_name)
    return mutate(request, f"{S}.content", b64(signature))


P256 = private_key("p256")
# id: (request, error, field, message fragment)
REQUESTS: dict[str, tuple[Callable[[], dict[str, Any]], type[Exception], str, str]] = {
    "signature-by-other-key": (
        lambda: _signed_by(other_key(), pem_of(P256)),
        SignatureError,
        f"{S}.content",
        "does not verify",
    ),
    "p256-with-sha384-digest": (
        lambda: _signed_by(P256, pem_of(P256), "sha384"),
        UnsupportedError,
        f"{H}.algorithm",
        "expected sha256 for a ecdsa-p256 key (Sigstore algorithm registry), found sha384",
    ),
    "rsa2048-with-sha512-digest": (
        lambda: _signed_by(private_key("rsa2048"), pem_of(private_key("rsa2048")), "sha512"),
        UnsupportedError,
        f"{H}.algorithm",
        "expected sha256 for a rsa-2048 key",
    ),
    "publicKey-dsa": (
        lambda: _signed_by(P256, dsa_public_pem()),
        UnsupportedError,
        f"{S}.publicKey.content",
        "DSA",
    ),
    "publicKey-secp256k1": (
        lambda: _signed_by(P256, secp256k1_public_pem()),
        UnsupportedError,
        f"{S}.publicKey.content",
        "expected ECDSA P-256/384/521, found secp256k1",
    ),
}


@pytest.mark.parametrize(
    ("request_", "error", "field", "fragment"), REQUESTS.values(), ids=REQUESTS
)
def test_refuses_request(
    request_: Callable[[], dict[str, Any]], error: type[Exception], field: str, fragment: str
) -> None:
    expect_error(parse_proposed_entry_v1, request_(), error, field, fragment)
