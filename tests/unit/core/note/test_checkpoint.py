"""Checkpoints (c2sp.org/tlog-checkpoint): parsing, negative cases, sign and open."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.core.note import (
    Checkpoint,
    ECDSANoteSigner,
    ECDSANoteVerifier,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    open_checkpoint,
    parse_checkpoint,
    parse_signed_note,
    sign_checkpoint,
)
from sigstack.errors import FormatError, SignatureError

# The example of c2sp.org/tlog-checkpoint (C2SP/C2SP tlog-checkpoint.md at 27938939), whose
# log key is not published: we check its body and that its signature line parses.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_CHECKPOINT = (
    SPEC_BODY + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe"
    "4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
ROOT_31 = base64.b64encode(bytes(31)).decode()
ROOT_33 = base64.b64encode(bytes(33)).decode()
ROOT_URLSAFE = base64.urlsafe_b64encode(bytes([0xFB] * 32)).decode()


def test_spec_example() -> None:
    checkpoint = parse_checkpoint(parse_signed_note(SPEC_CHECKPOINT).text)
    assert checkpoint == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert checkpoint.to_text() == SPEC_BODY


def test_extension_lines_and_rekor_v1_origin() -> None:
    origin = "rekor.sigstore.dev - 2605736670972794746"
    text = f"{origin}\n23083062\n{ROOT_B64}\nTimestamp: 1689177396617352539\n"
    checkpoint = parse_checkpoint(text)
    assert checkpoint.origin == "rekor.sigstore.dev - 2605736670972794746"
    assert checkpoint.extensions == ("Timestamp: 1689177396617352539",)
    assert checkpoint.to_text() == text


def test_size_bounds() -> None:
    assert parse_checkpoint(f"o\n0\n{ROOT_B64}\n").size == 0
    assert parse_checkpoint(f"o\n{2**64 - 1}\n{ROOT_B64}\n").size == 2**64 - 1


CHECKPOINT_MUTATIONS: dict[str, tuple[str, str, str]] = {
    # id: (text, field, piece of the message)
    "missing-origin": (f"736\n{ROOT_B64}\n", "origin", "the origin line missing"),
    "missing-size": (f"o\n{ROOT_B64}\n", "size", "the size line missing"),
    "missing-root-hash": ("o\n736\n", "root hash", "the root hash line missing"),
    "missing-origin-with-extension": (f"736\n{ROOT_B64}\next\n", "origin", "origin line missing"),
    "only-origin": ("o\n", "size", "found 1 line(s)"),
    "empty-origin": (f"\n736\n{ROOT_B64}\n", "origin", "expected a non-empty origin line"),
    "leading-zero-size": (
        f"o\n0736\n{ROOT_B64}\n",
        "size",
        "without leading zeros, at most 2^64-1; found '0736'",
    ),
    "negative-size": (f"o\n-1\n{ROOT_B64}\n", "size", "found '-1'"),
    "plus-size": (f"o\n+1\n{ROOT_B64}\n", "size", "found '+1'"),
    "spaced-size": (f"o\n 1\n{ROOT_B64}\n", "size", "found ' 1'"),
    "arabic-digit-size": (f"o\n\u0661\n{ROOT_B64}\n", "size", "found '\u0661'"),
    "size-over-uint64": (f"o\n{2**64}\n{ROOT_B64}\n", "size", f"found '{2**64}'"),
    "31-byte-root": (f"o\n1\n{ROOT_31}\n", "root hash", "32-byte root hash; found 31 bytes"),
    "33-byte-root": (f"o\n1\n{ROOT_33}\n", "root hash", "found 33 bytes"),
    "root-not-base64": ("o\n1\nnot base64!\n", "root hash", "expected standard base64"),
    "root-url-safe-base64": (f"o\n1\n{ROOT_URLSAFE}\n", "root hash", "expected standard base64"),
    "empty-extension": (f"o\n1\n{ROOT_B64}\n\n", "extension", "found line 4 empty"),
    "no-final-newline": (f"o\n1\n{ROOT_B64}", "checkpoint", "ending in a newline"),
}


@pytest.mark.parametrize(
    ("text", "field", "message"), CHECKPOINT_MUTATIONS.values(), ids=CHECKPOINT_MUTATIONS.keys()
)
def test_mutation_is_refused(text: str, field: str, message: str) -> None:
    with pytest.raises(FormatError, match=re.escape(message)) as raised:
        parse_checkpoint(text)
    assert raised.value.field == field


def test_checkpoint_validates_its_fields() -> None:
    with pytest.raises(FormatError, match="expected a 32-byte root hash; found 31 bytes"):
        Checkpoint("o", 1, bytes(31))
    with pytest.raises(FormatError, match=r"between 0 and 2\^64-1; found -1"):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(FormatError, match="non-empty single-line origin"):
        Checkpoint("a\nb", 1, ROOT)
    with pytest.raises(FormatError, match="non-empty single-line extensions"):
        Checkpoint("o", 1, ROOT, ("",))


def test_rekor_v2_style_sign_and_open(log_key: ed25519.Ed25519PrivateKey) -> None:
    origin = "127.0.0.1:8080/rekor2"
    checkpoint = Checkpoint(origin, 5, ROOT)
    text = sign_checkpoint(checkpoint, [Ed25519NoteSigner(origin, log_key)])
    assert text.startswith(f"{origin}\n5\n{ROOT_B64}\n\n— {origin} ")
    verifier = Ed25519NoteVerifier(origin, log_key.public_key())
    assert open_checkpoint(text, [verifier], origin=origin) == checkpoint
    assert open_checkpoint(text.encode(), [verifier]) == checkpoint


def test_rekor_v1_style_sign_and_open(p256_key: ec.EllipticCurvePrivateKey) -> None:
    # Signature name = hostname, origin = "<host> - <treeID>" (transparency-log.md §1.6).
    checkpoint = Checkpoint("rekor.local - 42", 7, ROOT, ("Timestamp: 1700000000000000000",))
    text = sign_checkpoint(checkpoint, [ECDSANoteSigner("rekor.local", p256_key)])
    assert "\n\n— rekor.local " in text
    verifier = ECDSANoteVerifier("rekor.local", p256_key.public_key())
    assert open_checkpoint(text, [verifier], origin="rekor.local - 42") == checkpoint


def test_origin_mismatch(log_key: ed25519.Ed25519PrivateKey) -> None:
    text = sign_checkpoint(
        Checkpoint("a.example", 1, ROOT), [Ed25519NoteSigner("a.example", log_key)]
    )
    verifier = Ed25519NoteVerifier("a.example", log_key.public_key())
    expected = "expected a checkpoint with origin 'b.example'; found origin 'a.example'"
    with pytest.raises(SignatureError, match=re.escape(expected)) as raised:
        open_checkpoint(text, [verifier], origin="b.example")
    assert raised.value.field == "origin"


def test_tampered_size_fails_signature(log_key: ed25519.Ed25519PrivateKey) -> None:
    text = sign_checkpoint(
        Checkpoint("a.example", 1, ROOT), [Ed25519NoteSigner("a.example", log_key)]
    )
    verifier = Ed25519NoteVerifier("a.example", log_key.public_key())
    with pytest.raises(SignatureError, match="does not verify"):
        open_checkpoint(text.replace("\n1\n", "\n2\n", 1), [verifier])


def test_body_is_checked_before_signatures(log_key: ed25519.Ed25519PrivateKey) -> None:
    # A malformed body is a FormatError even when the signature would not verify either.
    note = f"o\n01\n{ROOT_B64}\n\n— o AAAAAAA=\n"
    with pytest.raises(FormatError, match="leading zeros"):
        open_checkpoint(note, [Ed25519NoteVerifier("o", log_key.public_key())])
