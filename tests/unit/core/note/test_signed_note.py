"""Signed notes (c2sp.org/signed-note): published vectors, round trips, verification rules."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sigstack.core.note import (
    ECDSANoteSigner,
    ECDSANoteVerifier,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    RSANoteSigner,
    RSANoteVerifier,
    SignedNote,
    ecdsa_key_id,
    ed25519_key_id,
    note_key_id,
    parse_signed_note,
    rsa_key_id,
    sign_note,
    verifier_from_vkey,
    verify_note,
    vkey,
)
from sigstack.errors import FormatError, SignatureError, UnsupportedError

# The example of c2sp.org/signed-note, "Verifier keys" / "Example" section, as quoted with
# its source https://github.com/C2SP/C2SP/blob/d4c16da5e7687a016619074e78dad84b2c7238cc/
# signed-note.md#example by independent implementations (e.g. Cloudflare's and two others
# found with the search tool; the stored C2SP copies predate that section). The test below
# recomputes the key ID and verifies the signature, so a transcription error would fail.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKu"
    "wHjG1Yu72IneyaQM=\n"
)

# The opening example of c2sp.org/signed-note (C2SP/C2SP signed-note.md at 05528762 and
# 1f701bb5): no key is published for it, but its text holds an empty line, so the split at
# the *last* blank line matters.
QUASIMODO_NOTE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed è subito sera.\n"
    "\n"
    "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFS"
    "QU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

# golang.org/x/mod sumdb/note/note.go package documentation (golang/mod at 605edab4),
# "Example": a signer key, its verifier key, the signed note and the doubly-signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_LINE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
    "KE6RyyBwJnAM=\n"
)
# EnochRoot's vkey is in golang/mod sumdb/note/note_test.go (TestVerifierList).
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_ENOCH_LINE = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33W"
    "Wd1RvMc+QQ=\n"
)


def raw(public_key: ed25519.Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def spki(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


# --- published vectors --------------------------------------------------------------------


def test_spec_example_verifies_with_spec_vkey() -> None:
    verifier = verifier_from_vkey(SPEC_VKEY)
    assert verifier.name == "example.com/foo"
    assert verifier.key_id[:4].hex() == "530d903a"
    note = parse_signed_note(SPEC_NOTE)
    assert note.text == "This is an example message.\n"
    assert verify_note(note, [verifier]) == [verifier]
    assert note.render() == SPEC_NOTE


def test_spec_vkey_round_trips() -> None:
    key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(SPEC_VKEY.split("+")[2])[1:])
    assert vkey("example.com/foo", key) == SPEC_VKEY


def test_spec_opening_example_splits_at_last_blank_line() -> None:
    note = parse_signed_note(QUASIMODO_NOTE)
    assert note.text.endswith("\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.signatures[0].key_hash == bytes.fromhex("367ba04b")
    assert len(note.signatures[0].signature) == 64
    assert note.render() == QUASIMODO_NOTE


def test_go_example_signs_byte_for_byte() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    signer = Ed25519NoteSigner("PeterNeumann", key)
    assert signer.key_id[:4].hex() == "c74f20a3"
    assert vkey("PeterNeumann", key.public_key()) == GO_VKEY
    assert sign_note(GO_TEXT, [signer]).render() == GO_TEXT + "\n" + GO_PETER_LINE


def test_go_doubly_signed_example() -> None:
    note = parse_signed_note(GO_TEXT + "\n" + GO_PETER_LINE + GO_ENOCH_LINE)
    peter, enoch = verifier_from_vkey(GO_VKEY), verifier_from_vkey(GO_ENOCH_VKEY)
    assert verify_note(note, [peter, enoch]) == [peter, enoch]
    assert verify_note(note, [enoch]) == [enoch]


# --- key IDs ------------------------------------------------------------------------------


def test_key_id_rules(
    log_key: ed25519.Ed25519PrivateKey, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    ed = raw(log_key.public_key())
    assert ed25519_key_id("a.example", ed) == hashlib.sha256(b"a.example\n\x01" + ed).digest()
    der = spki(p256_key.public_key())
    assert ecdsa_key_id(der) == hashlib.sha256(der).digest()
    expected_rsa = hashlib.sha256(b"a.example\n\xffPKIX-RSA-PKCS#1v1.5" + der).digest()
    assert rsa_key_id("a.example", der) == expected_rsa
    assert note_key_id("a.example", log_key.public_key()) == ed25519_key_id("a.example", ed)
    assert note_key_id("a.example", p256_key.public_key()) == ecdsa_key_id(der)
    with pytest.raises(UnsupportedError, match="expected an Ed25519, ECDSA or RSA public key"):
        note_key_id("a.example", object())
    with pytest.raises(FormatError, match="expected a 32-byte Ed25519 public key; found 31"):
        ed25519_key_id("a.example", ed[:31])


# --- round trips --------------------------------------------------------------------------


def _signer_and_verifier(kind: str) -> tuple[NoteSigner, NoteVerifier]:
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
        return Ed25519NoteSigner("log.example", key), Ed25519NoteVerifier(
            "log.example", key.public_key()
        )
    curve = {
        "ecdsa-p256": ec.SECP256R1(),
        "ecdsa-p384": ec.SECP384R1(),
        "ecdsa-p521": ec.SECP521R1(),
    }
    ec_key = ec.derive_private_key(0x5EED, curve[kind])
    return ECDSANoteSigner("log.example", ec_key), ECDSANoteVerifier(
        "log.example", ec_key.public_key()
    )


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521"])
def test_round_trip(kind: str) -> None:
    signer, verifier = _signer_and_verifier(kind)
    note = sign_note("origin\n42\nsome text — ünïcode\n", [signer])
    assert note.signatures[0].key_hash == verifier.key_id[:4]
    parsed = parse_signed_note(note.render().encode())
    assert parsed == note
    assert verify_note(parsed, [verifier]) == [verifier]


def test_ecdsa_signature_is_der_over_sha256_for_p256(p256_key: ec.EllipticCurvePrivateKey) -> None:
    note = sign_note("t\n", [ECDSANoteSigner("n", p256_key)])
    signature = note.signatures[0].signature
    assert signature[0] == 0x30  # ASN.1 SEQUENCE
    p256_key.public_key().verify(signature, b"t\n", ec.ECDSA(hashes.SHA256()))


def test_rsa_round_trip() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = RSANoteVerifier("rsa.example", key.public_key())
    assert verifier.key_id == rsa_key_id("rsa.example", spki(key.public_key()))
    note = sign_note("t\n", [RSANoteSigner("rsa.example", key)])
    assert verify_note(parse_signed_note(note.render()), [verifier]) == [verifier]


def test_key_id_override_for_rekor_v1_ed25519(log_key: ed25519.Ed25519PrivateKey) -> None:
    # Rekor v1 hints are SHA-256(SPKI DER) for every key type (transparency-log.md §1.6).
    der = log_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    signer = Ed25519NoteSigner("rekor.local", log_key, key_id=ecdsa_key_id(der))
    verifier = Ed25519NoteVerifier("rekor.local", log_key.public_key(), key_id=ecdsa_key_id(der))
    note = sign_note("t\n", [signer])
    assert note.signatures[0].key_hash == hashlib.sha256(der).digest()[:4]
    assert verify_note(note, [verifier]) == [verifier]
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        verify_note(note, [Ed25519NoteVerifier("rekor.local", log_key.public_key())])


# --- sign_note and the value types --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no final newline", "expected note text ending in a newline"),
        ("bell \x07\n", "found U+0007"),
        ("crlf\r\n", "found U+000D"),
    ],
    ids=["no-final-newline", "control-char", "crlf"],
)
def test_sign_note_refuses_bad_text(
    text: str, message: str, log_key: ed25519.Ed25519PrivateKey
) -> None:
    with pytest.raises(FormatError, match=re.escape(message)):
        sign_note(text, [Ed25519NoteSigner("log.example", log_key)])


def test_sign_note_needs_a_signer() -> None:
    with pytest.raises(FormatError, match="expected at least one signer; found none"):
        sign_note("t\n", [])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\tname", "nbsp\u00a0name"])
def test_bad_key_names(name: str, log_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(FormatError, match=r"expected a .*key name"):
        Ed25519NoteSigner(name, log_key)


def test_value_types_validate() -> None:
    with pytest.raises(FormatError, match="expected a 4-byte key ID; found 3 bytes"):
        NoteSignature("n", b"abc", b"sig")
    with pytest.raises(FormatError, match="expected 1 to 100 signature lines; found 0"):
        SignedNote("t\n", ())
