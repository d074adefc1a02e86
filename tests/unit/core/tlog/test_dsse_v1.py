"""dsse 0.0.1 (Rekor v1 ``ProposedEntry``): happy paths and refusals."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rekor_types

from sigstack.core.tlog.entries import parse_proposed_entry_v1
from sigstack.errors import FormatError, SignatureError

from .builders import (
    IDENTITY_KEYS,
    b64,
    cert_pem,
    dsse_v1,
    dumps,
    envelope,
    fulcio_like_certificate,
    other_key,
    pem_of,
    private_key,
    spki_hash,
    statement,
)
from .helpers import (
    DELETE,
    assert_canonical,
    assert_v1_model,
    expect_error,
    mutate,
)

SUBJECT = hashlib.sha256(b"subject").hexdigest()
PAYLOAD = statement(SUBJECT)
PAYLOAD_HASH = hashlib.sha256(PAYLOAD).hexdigest()
P = "spec.proposedContent"


def test_v1_as_sigstore_python_sends_it() -> None:
    key = private_key("p256")
    cert = fulcio_like_certificate(key)
    env = envelope(PAYLOAD, [key])
    request = dsse_v1(env, [cert_pem(cert)])
    entry = parse_proposed_entry_v1(dumps(request))
    assert (entry.kind, entry.api_version) == ("dsse", "0.0.1")
    assert_v1_model(rekor_types.Dsse, entry)
    envelope_hash = hashlib.sha256(
        request["spec"]["proposedContent"]["envelope"].encode()
    ).hexdigest()
    assert assert_canonical(entry)["spec"] == {
        "envelopeHash": {"algorithm": "sha256", "value": envelope_hash},
        "payloadHash": {"algorithm": "sha256", "value": PAYLOAD_HASH},
        "signatures": [{"signature": env["signatures"][0]["sig"], "verifier": b64(cert_pem(cert))}],
    }
    hashes = {f"hash:sha256:{h}" for h in (PAYLOAD_HASH, envelope_hash, SUBJECT)}
    assert entry.index_keys == hashes | {f"key:{spki_hash(key)}"} | IDENTITY_KEYS


def test_v1_signatures_are_sorted_and_matched_to_their_verifiers() -> None:
    keys = [
        private_key("p384"),
        private_key("rsa2048"),
        private_key("ed25519"),
        private_key("p256"),
    ]
    env = envelope(b"not in-toto", keys, payload_type="text/plain")
    env["signatures"].append(env["signatures"][0])  # a duplicate signature is logged once
    entry = parse_proposed_entry_v1(dumps(dsse_v1(env, [pem_of(k) for k in reversed(keys)])))
    logged = json.loads(entry.body)["spec"]["signatures"]
    by_sig = {s["sig"]: b64(pem_of(k)) for s, k in zip(env["signatures"], keys, strict=False)}
    assert logged == [{"signature": s, "verifier": by_sig[s]} for s in sorted(by_sig)]
    assert {f"key:{spki_hash(k)}" for k in keys} <= entry.index_keys
    assert not any(k.startswith(("email:", "subject:")) for k in entry.index_keys)
    assert f"hash:sha256:{SUBJECT}" not in entry.index_keys  # not an in-toto statement


def test_v1_accepts_url_safe_base64_and_a_keyid_in_the_envelope() -> None:
    key = private_key("p256")
    env = envelope(PAYLOAD, [key])
    sig = env["signatures"][0]["sig"].replace("+", "-").replace("/", "_")
    env["signatures"][0] = {"sig": sig, "keyid": "my-key"}
    entry = parse_proposed_entry_v1(dumps(dsse_v1(env, [pem_of(key)])))
    assert json.loads(entry.body)["spec"]["signatures"][0]["signature"] == sig


def test_v1_indexes_slsa_materials() -> None:
    payload = json.loads(PAYLOAD)
    payload["predicate"] = {"materials": [{"digest": {"sha1": "AB" * 20}}, "not-an-object"]}
    key = private_key("p256")
    entry = parse_proposed_entry_v1(
        dumps(dsse_v1(envelope(json.dumps(payload).encode(), [key]), [pem_of(key)]))
    )
    assert f"hash:sha1:{'ab' * 20}" in entry.index_keys


def _v1() -> dict[str, Any]:
    key = private_key("p256")
    return dsse_v1(envelope(PAYLOAD, [key]), [pem_of(key)])


def _with_envelope(env: Any, verifiers: list[bytes] | None = None) -> dict[str, Any]:
    request = _v1()
    request["spec"]["proposedContent"]["envelope"] = (
        env if isinstance(env, str) else json.dumps(env)
    )
    if verifiers is not None:
        request["spec"]["proposedContent"]["verifiers"] = [b64(v) for v in verifiers]
    return request


def _envelope() -> dict[str, Any]:
    return envelope(PAYLOAD, [private_key("p256")])


E, PEM = f"{P}.envelope", pem_of(private_key("p256"))
V1_REFUSALS: dict[str, tuple[dict[str, Any], type[Exception], str, str]] = {
    "spec-with-envelopeHash": (
        mutate(_v1(), "spec.envelopeHash", {"algorithm": "sha256", "value": PAYLOAD_HASH}),
        FormatError,
        "spec.envelopeHash",
        "which the log computes itself",
    ),
    "proposedContent-missing": (mutate(_v1(), P, DELETE), FormatError, P, "found nothing"),
    "envelope-is-an-object": (
        mutate(_v1(), E, _envelope()),
        FormatError,
        E,
        "non-empty string, found an object",
    ),
    "envelope-not-json": (_with_envelope("{not json"), FormatError, E, "found invalid JSON"),
    "envelope-json-array": (_with_envelope("[]"), FormatError, E, "found an array of 0 items"),
    "envelope-lone-surrogate": (
        _with_envelope('{"payload":"\ud800"}'),
        FormatError,
        E,
        "lone surrogate",
    ),
    "payload-missing": (
        _with_envelope(mutate(_envelope(), "payload", DELETE)),
        FormatError,
        f"{E}.payload",
        "found nothing",
    ),
    "payload-not-base64": (
        _with_envelope(mutate(_envelope(), "payload", "*")),
        FormatError,
        f"{E}.payload",
        "base64",
    ),
    "payloadType-missing": (
        _with_envelope(mutate(_envelope(), "payloadType", DELETE)),
        FormatError,
        f"{E}.payloadType",
        "nothing",
    ),
    "signatures-empty": (
        _with_envelope(mutate(_envelope(), "signatures", [])),
        FormatError,
        f"{E}.signatures",
        "non-empty array",
    ),
    "signatures-17": (
        _with_envelope(mutate(_envelope(), "signatures", _envelope()["signatures"] * 17)),
        FormatError,
        f"{E}.signatures",
        "expected at most 16 items, found 17",
    ),
    "signature-not-object": (
        _with_envelope(mutate(_envelope(), "signatures", ["x"])),
        FormatError,
        f"{E}.signatures[0]",
        "the string 'x'",
    ),
    "sig-missing": (
        _with_envelope(mutate(_envelope(), "signatures[0].sig", DELETE)),
        FormatError,
        f"{E}.signatures[0].sig",
        "nothing",
    ),
    "keyid-number": (
        _with_envelope(mutate(_envelope(), "signatures[0].keyid", 1)),
        FormatError,
        f"{E}.signatures[0].keyid",
        "number 1",
    ),
    "sig-by-other-key": (
        _with_envelope(envelope(PAYLOAD, [other_key()])),
        SignatureError,
        f"{E}.signatures[0].sig",
        "expected a signature that one of the 1 verifiers verifies over PAE(payloadType, payload)",
    ),
    "payload-changed": (
        _with_envelope(mutate(_envelope(), "payload", b64(b"{}"))),
        SignatureError,
        f"{E}.signatures[0].sig",
        "found one that none verifies",
    ),
    "second-sig-without-verifier": (
        _with_envelope(envelope(PAYLOAD, [private_key("p256"), other_key()])),
        SignatureError,
        f"{E}.signatures[1].sig",
        "none verifies",
    ),
    "verifier-that-verifies-nothing": (
        _with_envelope(_envelope(), [PEM, pem_of(other_key())]),
        SignatureError,
        f"{P}.verifiers[1]",
        "found one that verifies none",
    ),
    "verifiers-empty": (
        mutate(_v1(), f"{P}.verifiers", []),
        FormatError,
        f"{P}.verifiers",
        "non-empty array",
    ),
    "verifiers-17": (
        _with_envelope(_envelope(), [PEM] * 17),
        FormatError,
        f"{P}.verifiers",
        "at most 16",
    ),
    "verifier-not-base64": (
        mutate(_v1(), f"{P}.verifiers[0]", "%"),
        FormatError,
        f"{P}.verifiers[0]",
        "base64",
    ),
    "verifier-empty": (
        mutate(_v1(), f"{P}.verifiers[0]", ""),
        FormatError,
        f"{P}.verifiers[0]",
        "found the string ''",
    ),
    "verifier-not-a-key": (
        mutate(_v1(), f"{P}.verifiers[0]", b64(b"key")),
        FormatError,
        f"{P}.verifiers[0]",
        "PEM public key",
    ),
}


@pytest.mark.parametrize(
    ("request_", "error", "field", "fragment"), V1_REFUSALS.values(), ids=V1_REFUSALS
)
def test_v1_refusals(
    request_: dict[str, Any], error: type[Exception], field: str, fragment: str
) -> None:
    expect_error(parse_proposed_entry_v1, request_, error, field, fragment)
