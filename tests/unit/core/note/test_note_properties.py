"""Properties: parse(render(x)) == x for notes and checkpoints; parsers only raise our errors."""

from __future__ import annotations

import contextlib

from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from sigstack.core.note import (
    MAX_SIGNATURES,
    Checkpoint,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteSignature,
    SignedNote,
    open_checkpoint,
    parse_checkpoint,
    parse_signed_note,
    sign_checkpoint,
)
from sigstack.errors import Error

# Note text: any Unicode scalar value but the C0 controls, plus newline (signed-note "Format").
TEXT_CHAR = st.characters(codec="utf-8", min_codepoint=0x20) | st.just("\n")
notes_text = st.text(TEXT_CHAR, max_size=200).map(lambda text: text + "\n")
# Key names: non-empty, no Unicode spaces, no '+', no controls.
names = st.text(
    st.characters(codec="utf-8", min_codepoint=0x21).filter(
        lambda char: char != "+" and not char.isspace()
    ),
    min_size=1,
    max_size=40,
)
signatures = st.builds(
    NoteSignature,
    name=names,
    key_hash=st.binary(min_size=4, max_size=4),
    signature=st.binary(min_size=1, max_size=128),
)
notes = st.builds(
    SignedNote,
    text=notes_text,
    signatures=st.lists(signatures, min_size=1, max_size=MAX_SIGNATURES).map(tuple),
)

LINE_CHAR = st.characters(codec="utf-8", min_codepoint=0x20)
single_lines = st.text(LINE_CHAR, min_size=1, max_size=60)
checkpoints = st.builds(
    Checkpoint,
    origin=single_lines,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(single_lines, max_size=3).map(tuple),
)

LOG_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@given(notes)
def test_note_round_trip(note: SignedNote) -> None:
    assert parse_signed_note(note.render()) == note
    assert parse_signed_note(note.render().encode("utf-8")) == note


@given(checkpoints)
def test_checkpoint_round_trip(checkpoint: Checkpoint) -> None:
    assert parse_checkpoint(checkpoint.to_text()) == checkpoint


@settings(max_examples=50)
@given(checkpoints, names)
def test_signed_checkpoint_round_trip(checkpoint: Checkpoint, name: str) -> None:
    text = sign_checkpoint(checkpoint, [Ed25519NoteSigner(name, LOG_KEY)])
    verifier = Ed25519NoteVerifier(name, LOG_KEY.public_key())
    assert open_checkpoint(text, [verifier], origin=checkpoint.origin) == checkpoint


@given(st.binary(max_size=300) | st.text(max_size=300))
def test_note_parser_raises_only_our_errors(data: bytes | str) -> None:
    with contextlib.suppress(Error):
        parse_signed_note(data)


@given(st.text(st.sampled_from("0123456789+/=aZ\n -—"), max_size=120))
def test_checkpoint_parser_raises_only_our_errors(text: str) -> None:
    with contextlib.suppress(Error):
        parse_checkpoint(text)
