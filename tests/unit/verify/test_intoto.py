"""verify.intoto: the statement inside a verified DSSE bundle, its subjects, its type.

One real case (the conformance ``happy-path-intoto-in-dsse-v3`` bundle, verified offline at
a fixed time) and hand-made results for the refusals.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sigstack.verify import (
    Digest,
    Identity,
    MessageDigestError,
    PredicateTypeError,
    StatementError,
    VerificationResult,
    Verifier,
    check_predicate_type,
    check_subject,
    load_bundle,
    load_trusted_root,
    statement_of,
)

CASES = Path("/work/shared/conformance/bundle-verify")
ROOT = Path("/work/shared/trust/public-good/trusted_root.json")
BEACON = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
ISSUER = "https://token.actions.githubusercontent.com"
ARTIFACT = (CASES / "a.txt").read_bytes()


def _result(
    payload: bytes, payload_type: str = "application/vnd.in-toto+json"
) -> VerificationResult:
    return VerificationResult(None, None, (), (), payload_type=payload_type, payload=payload)


def _statement(digest: bytes, predicate_type: str = "https://slsa.dev/provenance/v1") -> bytes:
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "x", "digest": {"sha256": digest.hex()}}],
            "predicateType": predicate_type,
            "predicate": {},
        }
    ).encode()


def test_a_real_attestation_names_its_subject_and_type() -> None:
    verifier = Verifier(
        load_trusted_root(ROOT.read_bytes()), clock=lambda: datetime(2026, 6, 1, tzinfo=UTC)
    )
    bundle = load_bundle(
        (CASES / "happy-path-intoto-in-dsse-v3" / "bundle.sigstore.json").read_bytes()
    )
    result = verifier.verify_dsse(bundle, Identity(BEACON, ISSUER))
    statement = check_subject(result, ARTIFACT)
    assert statement.predicate_type == "https://slsa.dev/provenance/v1"
    assert check_subject(result, Digest("sha256", hashlib.sha256(ARTIFACT).digest())) == statement
    check_predicate_type(statement, "slsaprovenance1")
    check_predicate_type(statement, "https://slsa.dev/provenance/v1")
    with pytest.raises(PredicateTypeError) as caught:
        check_predicate_type(statement, "slsaprovenance")
    assert caught.value.code == "predicate-type"
    assert (
        "expected predicate type https://slsa.dev/provenance/v0.2, found https://slsa.dev/provenance/v1"
        in str(caught.value)
    )
    with pytest.raises(MessageDigestError, match="is not a subject of the statement"):
        check_subject(result, b"another file\n")


def test_not_a_subject_is_a_message_digest_failure() -> None:
    result = _result(_statement(hashlib.sha256(b"one").digest()))
    with pytest.raises(MessageDigestError) as caught:
        check_subject(result, b"two")
    assert caught.value.code == "message-digest"
    assert f"sha256:{hashlib.sha256(b'two').hexdigest()} is not a subject" in str(caught.value)
    with pytest.raises(MessageDigestError, match="expected a sha256 digest, found sha512"):
        check_subject(result, Digest("sha512", b"\x00" * 64))


def test_a_payload_that_is_not_an_in_toto_statement_is_refused() -> None:
    with pytest.raises(
        StatementError, match=r"expected payload type application/vnd\.in-toto\+json"
    ):
        statement_of(_result(b"{}", payload_type="text/plain"))
    with pytest.raises(StatementError, match="found invalid JSON") as caught:
        statement_of(_result(b"not json"))
    assert caught.value.code == "in-toto-statement"
    with pytest.raises(StatementError, match="subject: expected a non-empty list"):
        check_subject(_result(b'{"_type": "https://in-toto.io/Statement/v1", "subject": []}'), b"x")
    with pytest.raises(StatementError, match="expected a DSSE bundle"):
        statement_of(VerificationResult(None, None, (), ()))


def test_an_unknown_expected_type_is_refused_as_a_predicate_type_failure() -> None:
    statement = statement_of(_result(_statement(hashlib.sha256(b"x").digest())))
    with pytest.raises(PredicateTypeError, match="expected a predicate type URI or one of"):
        check_predicate_type(statement, "provenance")
