"""Real Rekor v1 and v2 checkpoints from the sigstore-conformance cases.

Each case's checkpoint (``verificationMaterial.tlogEntries[0].inclusionProof.checkpoint``) is
opened with the logs of the trusted root that case uses (its own, else public-good). Cases
whose defect is elsewhere (proof, SET, certificate, ...) carry a valid checkpoint; the
checkpoint cases below must fail for the reason their README gives.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sigstack.core.note import (
    Ed25519NoteVerifier,
    cosignature_timestamp,
    ecdsa_key_id,
    note_key_id,
    open_checkpoint,
    parse_signed_note,
    verifier_from_vkey,
    verify_note,
)
from sigstack.errors import FormatError, SignatureError

from ._cases import CHECKPOINT_CASES, STAGING_ROOT, Case, log_verifiers

LoadCase = Callable[[str], Case]

# case: (error, field, piece of the message) — the defect the case's README describes.
EXPECTED_FAILURES: dict[str, tuple[type[Exception], str | None, str]] = {
    "bundle-from-wrong-instance_fail": (
        SignatureError,
        None,
        "found signatures from: rekor.sigstage.dev+d32f30a3",
    ),
    "checkpoint-bad-keyhint_fail": (
        SignatureError,
        None,
        "found signatures from: rekor.sigstore.dev+c4d23d6a",
    ),
    "invalid-checkpoint-signature_fail": (
        SignatureError,
        None,
        "trusted key rekor.sigstore.dev+c0d23d6a does not verify",
    ),
    "rekor2-checkpoint-missing-log-signature_fail": (
        FormatError,
        "signatures",
        "expected at least one signature line",
    ),
    "rekor2-checkpoint-missing-origin_fail": (FormatError, "origin", "the origin line missing"),
    "rekor2-checkpoint-missing-size_fail": (FormatError, "size", "the size line missing"),
    "rekor2-checkpoint-missing-root-hash_fail": (
        FormatError,
        "root hash",
        "the root hash line missing",
    ),
    "rekor2-checkpoint-no-matching-signature_fail": (
        SignatureError,
        None,
        "found signatures from: log2025-alpha1.rekor.github.dev+f30d5a99",
    ),
}


def test_cases_were_found(load_case: LoadCase) -> None:
    assert len(CHECKPOINT_CASES) >= 60
    assert set(EXPECTED_FAILURES) <= set(CHECKPOINT_CASES)


@pytest.mark.parametrize("name", CHECKPOINT_CASES)
def test_checkpoint(name: str, load_case: LoadCase) -> None:
    case = load_case(name)
    if name in EXPECTED_FAILURES:
        error, field, message = EXPECTED_FAILURES[name]
        with pytest.raises(error, match=re.escape(message)) as raised:
            open_checkpoint(case.envelope, case.verifiers)
        if field is not None:
            assert getattr(raised.value, "field", None) == field
        return
    checkpoint = open_checkpoint(case.envelope, case.verifiers)
    proof = case.entry["inclusionProof"]
    matches = (checkpoint.size, checkpoint.root_hash) == (
        int(proof["treeSize"]),
        base64.b64decode(proof["rootHash"]),
    )
    # That case's defect: a validly signed checkpoint of another tree size than the proof's.
    assert matches == (name != "checkpoint-wrong-roothash_fail")
    # Byte-exact: rendering the parsed note gives back the envelope.
    assert parse_signed_note(case.envelope).render() == case.envelope


@pytest.mark.parametrize("name", [n for n in CHECKPOINT_CASES if n not in EXPECTED_FAILURES])
def test_log_id_matches_the_verifying_key(name: str, load_case: LoadCase) -> None:
    # v1: logId = SHA-256(SPKI DER); v2: the C2SP key ID (sigstore-clients.md §5.5, §6.5).
    case = load_case(name)
    (log,) = [log for log in case.logs if log.log_id == case.log_id]
    assert verify_note(parse_signed_note(case.envelope), case.verifiers) == [log.verifier]
    assert log.verifier.key_id == case.log_id
    if case.entry["kindVersion"]["version"] == "0.0.2" and isinstance(
        log.verifier, Ed25519NoteVerifier
    ):
        assert note_key_id(log.host, log.public_key) == case.log_id  # Rekor v2
    else:
        assert isinstance(log.public_key, ec.EllipticCurvePublicKey)  # Rekor v1
        spki = log.public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        assert ecdsa_key_id(spki) == case.log_id


def test_v1_origin_and_name_differ(load_case: LoadCase) -> None:
    case = load_case("happy-path-v0.3")
    checkpoint = open_checkpoint(
        case.envelope, case.verifiers, origin="rekor.sigstore.dev - 2605736670972794746"
    )
    assert parse_signed_note(case.envelope).signatures[0].name == "rekor.sigstore.dev"
    assert checkpoint.extensions == ()
    with_timestamp = load_case("happy-path-v0.1")
    assert open_checkpoint(with_timestamp.envelope, with_timestamp.verifiers).extensions == (
        "Timestamp: 1689177396617352539",
    )


def test_v2_origin_is_the_signer_name(load_case: LoadCase) -> None:
    case = load_case("rekor2-happy-path")
    origin = "log2025-alpha1.rekor.sigstage.dev"
    assert open_checkpoint(case.envelope, case.verifiers, origin=origin).origin == origin
    with pytest.raises(
        SignatureError, match=r"expected a checkpoint with origin 'log2025-1\.rekor"
    ):
        open_checkpoint(case.envelope, case.verifiers, origin="log2025-1.rekor.sigstore.dev")


def test_wrong_instance_verifies_against_its_own_root(load_case: LoadCase) -> None:
    case = load_case("bundle-from-wrong-instance_fail")
    staging = [log.verifier for log in log_verifiers(STAGING_ROOT)]
    assert (
        open_checkpoint(case.envelope, staging).origin == "rekor.sigstage.dev - 8050909264565447525"
    )


def test_v1_log_as_transparency_dev_vkey(load_case: LoadCase) -> None:
    # The Rekor v1 key as an ECDSA (type 0x02) vkey verifies a real v1 checkpoint.
    case = load_case("happy-path-v0.3")
    (log,) = [log for log in case.logs if log.host == "rekor.sigstore.dev"]
    assert isinstance(log.public_key, ec.EllipticCurvePublicKey)
    spki = log.public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    payload = base64.b64encode(bytes([0x02]) + spki).decode()
    text = f"rekor.sigstore.dev+c0d23d6a+{payload}"
    open_checkpoint(case.envelope, [verifier_from_vkey(text)])


@pytest.mark.parametrize(
    ("name", "witnesses"),
    [
        ("rekor2-checkpoint-cosigned", {"witness.example": 1755639614}),
        ("rekor2-checkpoint-origin-not-first", {"witness.example": 1755639614}),
        (
            "rekor2-checkpoint-multiple-cosigs",
            {"witness.example/w1": 1755640554, "witness.example/w2": 1755640554},
        ),
        (
            "rekor2-dsse-happy-path",
            {
                "witness.stagemole.eu": None,
                "staging.witness.transparency.goog/ring-any-bells": None,
                "witness.navigli.sunlight.geomys.org": None,
            },
        ),
    ],
)
def test_witness_lines_are_cosignatures_and_ignored(
    name: str, witnesses: dict[str, int | None], load_case: LoadCase
) -> None:
    # Witness keys are not in any trusted root: the lines are ignored, but each one has the
    # shape of a tlog-cosignature/v1 (76 bytes: hint, u64 timestamp, Ed25519 signature).
    case = load_case(name)
    note = parse_signed_note(case.envelope)
    lines = {s.name: s for s in note.signatures if s.name in witnesses}
    assert set(lines) == set(witnesses)
    for witness, expected_time in witnesses.items():
        line = lines[witness]
        assert len(line.key_hash) + len(line.signature) == 76
        timestamp = cosignature_timestamp(line.signature)
        assert expected_time is None or timestamp == expected_time
    (log,) = [log for log in case.logs if log.log_id == case.log_id]
    assert verify_note(note, case.verifiers) == [log.verifier]


def test_second_signature_from_origin_with_unknown_key_is_ignored(load_case: LoadCase) -> None:
    case = load_case("rekor2-checkpoint-two-sigs-from-origin")
    note = parse_signed_note(case.envelope)
    first, second = note.signatures
    assert first.name == second.name == "log2025-alpha1.rekor.sigstage.dev"
    assert first.key_hash != second.key_hash
    assert second.signature[0] == 0x30  # a DER ECDSA signature, from a key nobody trusts
    (log,) = [log for log in case.logs if log.log_id == case.log_id]
    assert verify_note(note, case.verifiers) == [log.verifier]
