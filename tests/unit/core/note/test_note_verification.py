"""Verification rules of c2sp.org/signed-note "Signatures", as :func:`verify_note` applies them.

Unknown (name, key ID) pairs are ignored, a known key's bad signature rejects the note, and at
least one trusted signature must verify.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from sigstack.core.note import (
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteSignature,
    SignedNote,
    sign_note,
    verify_note,
)
from sigstack.errors import FormatError, SignatureError


def test_unknown_signatures_are_ignored(
    log_key: ed25519.Ed25519PrivateKey, witness_key: ed25519.Ed25519PrivateKey
) -> None:
    known = Ed25519NoteSigner("log.example", log_key)
    same_name_other_key = Ed25519NoteSigner("log.example", witness_key)
    other_name_same_hint = NoteSignature("other.example", known.key_id[:4], b"\x00" * 64)
    note = sign_note("t\n", [same_name_other_key, known])
    note = SignedNote(note.text, (other_name_same_hint, *note.signatures))
    verifier = Ed25519NoteVerifier("log.example", log_key.public_key())
    assert verify_note(note, [verifier]) == [verifier]


def test_known_key_with_bad_signature_rejects_note(log_key: ed25519.Ed25519PrivateKey) -> None:
    note = sign_note("t\n", [Ed25519NoteSigner("log.example", log_key)])
    forged = SignedNote("u\n", note.signatures)
    with pytest.raises(
        SignatureError, match=r"trusted key log\.example\+[0-9a-f]{8} does not verify"
    ):
        verify_note(forged, [Ed25519NoteVerifier("log.example", log_key.public_key())])


def test_one_bad_known_signature_rejects_even_if_another_verifies(
    log_key: ed25519.Ed25519PrivateKey, witness_key: ed25519.Ed25519PrivateKey
) -> None:
    good = sign_note("t\n", [Ed25519NoteSigner("a.example", log_key)]).signatures[0]
    bad_hint = Ed25519NoteSigner("b.example", witness_key).key_id[:4]
    bad = NoteSignature("b.example", bad_hint, b"\x01" * 64)
    verifiers = [
        Ed25519NoteVerifier("a.example", log_key.public_key()),
        Ed25519NoteVerifier("b.example", witness_key.public_key()),
    ]
    with pytest.raises(SignatureError, match=r"b\.example\+"):
        verify_note(SignedNote("t\n", (good, bad)), verifiers)


def test_unknown_signer_only(
    log_key: ed25519.Ed25519PrivateKey, witness_key: ed25519.Ed25519PrivateKey
) -> None:
    note = sign_note("t\n", [Ed25519NoteSigner("stranger.example", witness_key)])
    verifier = Ed25519NoteVerifier("log.example", log_key.public_key())
    with pytest.raises(SignatureError) as raised:
        verify_note(note, [verifier])
    message = str(raised.value)
    assert "no signature from a trusted key" in message
    assert f"expected one of: log.example+{verifier.key_id[:4].hex()}" in message
    assert "found signatures from: stranger.example+" in message


def test_repeated_line_counts_once(log_key: ed25519.Ed25519PrivateKey) -> None:
    note = sign_note("t\n", [Ed25519NoteSigner("log.example", log_key)] * 2)
    verifier = Ed25519NoteVerifier("log.example", log_key.public_key())
    assert verify_note(note, [verifier]) == [verifier]


def test_ambiguous_verifiers_are_a_configuration_error(log_key: ed25519.Ed25519PrivateKey) -> None:
    note = sign_note("t\n", [Ed25519NoteSigner("log.example", log_key)])
    verifier = Ed25519NoteVerifier("log.example", log_key.public_key())
    with pytest.raises(FormatError, match="distinct name and key ID"):
        verify_note(note, [verifier, verifier])


def test_truncated_ed25519_signature_fails_as_signature_error(
    log_key: ed25519.Ed25519PrivateKey,
) -> None:
    signer = Ed25519NoteSigner("log.example", log_key)
    note = SignedNote("t\n", (NoteSignature("log.example", signer.key_id[:4], b"\x00" * 10),))
    with pytest.raises(SignatureError, match="expected a 64-byte Ed25519 signature"):
        verify_note(note, [Ed25519NoteVerifier("log.example", log_key.public_key())])
