"""dsse 0.0.2 (Rekor v2 ``dsseRequestV002``, sent by sigstore-js): happy paths and refusals."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from sigstack.core.tlog.entries import parse_create_entry_request_v2
from sigstack.errors import FormatError, SignatureError, UnsupportedError

from .builders import (
    IDENTITY_KEYS,
    b64,
    cert_der,
    dsse_v2,
    dumps,
    envelope,
    fulcio_like_certificate,
    other_key,
    private_key,
    spki_hash,
    statement,
    verifier_v2,
)
from .helpers import (
    DELETE,
    assert_canonical,
    assert_v2_model,
    expect_error,
    mutate,
)

SUBJECT = hashlib.sha256(b"subject").hexdigest()
PAYLOAD = statement(SUBJECT)
PAYLOAD_HASH = hashlib.sha256(PAYLOAD).hexdigest()


def test_v2_as_sigstore_js_sends_it() -> None:
    key = private_key("p256")
    cert = fulcio_like_certificate(key)
    env = envelope(PAYLOAD, [key])
    request = dsse_v2(env, [verifier_v2(key, "PKIX_ECDSA_P256_SHA_256", cert)])
    entry = parse_create_entry_request_v2(dumps(request))
    assert (entry.kind, entry.api_version) == ("dsse", "0.0.2")
    assert_v2_model(entry)
    verifier = {
        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
        "x509Certificate": {"rawBytes": b64(cert_der(cert))},
    }
    assert assert_canonical(entry)["spec"] == {
        "dsseV002": {
            "payloadHash": {"algorithm": "SHA2_256", "digest": b64(bytes.fromhex(PAYLOAD_HASH))},
            "signatures": [{"content": env["signatures"][0]["sig"], "verifier": verifier}],
        }
    }
    hashes = {f"hash:sha256:{PAYLOAD_HASH}", f"hash:sha256:{SUBJECT}"}
    assert entry.index_keys == hashes | {f"key:{spki_hash(key)}"} | IDENTITY_KEYS


def test_v2_pure_ed25519_and_rsa_verifiers() -> None:
    keys = [private_key("ed25519"), private_key("rsa3072")]
    details = ["PKIX_ED25519", "PKIX_RSA_PKCS1V15_3072_SHA256"]
    env = envelope(PAYLOAD, keys)
    request = dsse_v2(env, [verifier_v2(k, d) for k, d in zip(keys, details, strict=True)])
    entry = parse_create_entry_request_v2(dumps(request))
    assert_v2_model(entry)
    logged = json.loads(entry.body)["spec"]["dsseV002"]["signatures"]
    assert [s["verifier"]["keyDetails"] for s in logged] == details
    assert [base64.b64decode(s["content"]) for s in logged] == [
        base64.b64decode(s["sig"]) for s in env["signatures"]
    ]


def _v2() -> dict[str, Any]:
    key = private_key("p256")
    return dsse_v2(envelope(PAYLOAD, [key]), [verifier_v2(key, "PKIX_ECDSA_P256_SHA_256")])


D = "dsseRequestV002"
ED25519_PH = verifier_v2(private_key("ed25519"), "PKIX_ED25519_PH")
V2_REFUSALS: dict[str, tuple[dict[str, Any], type[Exception], str, str]] = {
    "envelope-missing": (
        mutate(_v2(), f"{D}.envelope", DELETE),
        FormatError,
        f"{D}.envelope",
        "nothing",
    ),
    "payload-urlsafe": (
        mutate(_v2(), f"{D}.envelope.payload", "-_-_"),
        FormatError,
        f"{D}.envelope.payload",
        "base64",
    ),
    "verifiers-missing": (
        mutate(_v2(), f"{D}.verifiers", DELETE),
        FormatError,
        f"{D}.verifiers",
        "non-empty array",
    ),
    "verifier-not-object": (
        mutate(_v2(), f"{D}.verifiers[0]", "x"),
        FormatError,
        f"{D}.verifiers[0]",
        "the string 'x'",
    ),
    "verifier-ed25519-ph": (
        mutate(_v2(), f"{D}.verifiers[0]", ED25519_PH),
        UnsupportedError,
        f"{D}.verifiers[0].keyDetails",
        "use PKIX_ED25519",
    ),
    "sig-by-other-key": (
        mutate(_v2(), f"{D}.envelope.signatures", envelope(PAYLOAD, [other_key()])["signatures"]),
        SignatureError,
        f"{D}.envelope.signatures[0].sig",
        "none verifies",
    ),
}


@pytest.mark.parametrize(
    ("request_", "error", "field", "fragment"), V2_REFUSALS.values(), ids=V2_REFUSALS
)
def test_v2_refusals(
    request_: dict[str, Any], error: type[Exception], field: str, fragment: str
) -> None:
    expect_error(parse_create_entry_request_v2, request_, error, field, fragment)
