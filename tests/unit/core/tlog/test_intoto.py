"""intoto 0.0.2 (sigstore-js ``legacyCompatibility``): Rekor's canonical form and refusals."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
import rekor_types

from sigstack.core.canonical_json import canonicalize
from sigstack.core.tlog.entries import parse_proposed_entry_v1
from sigstack.errors import FormatError, SignatureError, UnsupportedError

from .builders import (
    IDENTITY_KEYS,
    b64,
    cert_pem,
    dumps,
    fulcio_like_certificate,
    intoto_v2,
    other_key,
    pem_of,
    private_key,
    spki_hash,
    statement,
)
from .conformance import load_bundle, load_cases
from .helpers import DELETE, assert_canonical, assert_v1_model, expect_error, mutate

SUBJECT = hashlib.sha256(b"subject").hexdigest()
PAYLOAD = statement(SUBJECT)
PAYLOAD_HASH = hashlib.sha256(PAYLOAD).hexdigest()
C = "spec.content"
E = "spec.content.envelope"


def test_as_sigstore_js_sends_it() -> None:
    key = private_key("p256")
    cert = fulcio_like_certificate(key)
    request = intoto_v2(PAYLOAD, [(key, cert_pem(cert))])
    entry = parse_proposed_entry_v1(dumps(request))
    assert (entry.kind, entry.api_version) == ("intoto", "0.0.2")
    assert_v1_model(rekor_types.Intoto, entry)
    content = request["spec"]["content"]
    assert assert_canonical(entry)["spec"] == {
        "content": {
            "envelope": {  # Rekor drops the payload and keeps the signatures as sent
                "payloadType": "application/vnd.in-toto+json",
                "signatures": content["envelope"]["signatures"],
            },
            "hash": content["hash"],
            "payloadHash": {"algorithm": "sha256", "value": PAYLOAD_HASH},
        }
    }
    hashes = {f"hash:sha256:{PAYLOAD_HASH}", f"hash:sha256:{SUBJECT}"}
    assert entry.index_keys == hashes | {f"key:{spki_hash(key)}"} | IDENTITY_KEYS


def test_keyid_is_kept_when_set_and_payload_hash_may_be_omitted() -> None:
    keys = [private_key("p384"), private_key("ed25519")]
    request = intoto_v2(PAYLOAD, [(k, pem_of(k)) for k in keys], keyid="k1")
    request = mutate(request, f"{C}.payloadHash", DELETE)
    entry = parse_proposed_entry_v1(dumps(request))
    logged = json.loads(entry.body)["spec"]["content"]
    assert [s["keyid"] for s in logged["envelope"]["signatures"]] == ["k1", "k1"]
    assert logged["payloadHash"]["value"] == PAYLOAD_HASH


def _conformance_request(name: str, logged: dict[str, Any]) -> bytes:
    """The request sigstore-js sent, rebuilt from the bundle and the client-side ``hash``."""
    env = load_bundle(name)["dsseEnvelope"]
    public_key = logged["envelope"]["signatures"][0]["publicKey"]
    signatures = [
        {"sig": b64(s["sig"].encode()), "publicKey": public_key} for s in env["signatures"]
    ]
    envelope = {"payloadType": env["payloadType"], "payload": b64(env["payload"].encode())}
    content = {"envelope": envelope | {"signatures": signatures}, "hash": logged["hash"]}
    return dumps({"apiVersion": "0.0.2", "kind": "intoto", "spec": {"content": content}})


INTOTO_CASES = [c for c in load_cases() if c.kind == "intoto"]


@pytest.mark.parametrize("case", INTOTO_CASES, ids=lambda c: c.name)
def test_conformance_bodies_minus_the_payload(case: Any) -> None:
    """These bodies come from a mock log that keeps the payload; real Rekor drops it."""
    logged = json.loads(case.body)
    request = _conformance_request(case.name, logged["spec"]["content"])
    body = parse_proposed_entry_v1(request).body
    del logged["spec"]["content"]["envelope"]["payload"]
    if case.name == "intoto-log-entry-mismatch_fail":  # its logged signature is not the bundle's
        assert body != canonicalize(logged)
    else:
        assert body == canonicalize(logged)


def test_conformance_hash_is_sigstore_js_jcs_envelope_hash() -> None:
    case = next(c for c in INTOTO_CASES if c.name == "intoto-with-custom-trust-root")
    logged = json.loads(case.body)["spec"]["content"]
    env = load_bundle(case.name)["dsseEnvelope"]
    pem = base64.b64decode(logged["envelope"]["signatures"][0]["publicKey"]).decode()
    signatures = [{"sig": s["sig"], "publicKey": pem} for s in env["signatures"]]
    hashed = {
        "payloadType": env["payloadType"],
        "payload": env["payload"],
        "signatures": signatures,
    }
    assert hashlib.sha256(canonicalize(hashed)).hexdigest() == logged["hash"]["value"]


def _request() -> dict[str, Any]:
    key = private_key("p256")
    return intoto_v2(PAYLOAD, [(key, pem_of(key))])


S0 = f"{E}.signatures[0]"
OTHER = intoto_v2(PAYLOAD, [(other_key(), pem_of(other_key()))])["spec"]["content"]["envelope"]
# id: (path, new value, error, field (None: the path), message fragment)
MUTATIONS: dict[str, tuple[str, object, type[Exception], str | None, str]] = {
    "content-missing": (C, DELETE, FormatError, None, "found nothing"),
    "envelope-missing": (E, DELETE, FormatError, None, "found nothing"),
    "payload-single-encoded": (f"{E}.payload", b64(PAYLOAD), FormatError, None, "standard base64"),
    "payload-empty": (f"{E}.payload", b64(b""), FormatError, None, "non-empty base64"),
    "payloadType-missing": (f"{E}.payloadType", DELETE, FormatError, None, "found nothing"),
    "signatures-empty": (f"{E}.signatures", [], FormatError, None, "non-empty array"),
    "sig-single-encoded": (
        f"{S0}.sig",
        b64(b"\x30\x45\x02\x21\xff"),
        FormatError,
        None,
        "not base64 text",
    ),
    "sig-by-other-key": (
        f"{S0}.sig",
        OTHER["signatures"][0]["sig"],
        SignatureError,
        None,
        "does not verify",
    ),
    "publicKey-missing": (f"{S0}.publicKey", DELETE, FormatError, None, "found nothing"),
    "publicKey-not-a-key": (f"{S0}.publicKey", b64(b"x"), FormatError, None, "PEM public key"),
    "keyid-array": (f"{S0}.keyid", [], FormatError, None, "an array of 0 items"),
    "hash-missing": (f"{C}.hash", DELETE, FormatError, None, "the client computed, found nothing"),
    "hash-sha512": (f"{C}.hash.algorithm", "sha512", UnsupportedError, None, "sha256, found the"),
    "hash-value-short": (f"{C}.hash.value", "ab", FormatError, None, "64 lower-case hex digits"),
    "payloadHash-of-other-payload": (
        f"{C}.payloadHash.value",
        hashlib.sha256(b"other").hexdigest(),
        FormatError,
        None,
        f"expected the SHA-256 of the payload, {PAYLOAD_HASH}",
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
