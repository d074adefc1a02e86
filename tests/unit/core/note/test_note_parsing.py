"""Strict parsing of signed notes: negative cases named after the mutation of a valid note.

Each case starts from the c2sp.org/signed-note example (``SPEC_NOTE``), changes one thing, and
checks the error type and that the message names what was expected and what was found.
"""

from __future__ import annotations

import re

import pytest

from sigstack.core.note import MAX_SIGNATURES, parse_signed_note, verifier_from_vkey, verify_note
from sigstack.errors import FormatError

from .test_signed_note import SPEC_NOTE, SPEC_VKEY

SIG_B64 = SPEC_NOTE.split(" ")[-1].rstrip("\n")
LINE = f"— example.com/foo {SIG_B64}\n"
TEXT = "This is an example message.\n"

MUTATIONS: dict[str, tuple[str | bytes, str, str]] = {
    # id: (note, field, piece of the message)
    "missing-blank-line": (
        TEXT + LINE,
        "note",
        "expected a blank line between the text and the signatures; found none",
    ),
    "no-signature-lines": (
        TEXT + "\n",
        "signatures",
        "expected at least one signature line after the blank line; found none",
    ),
    "trailing-blank-line": (SPEC_NOTE + "\n", "signatures", "expected at least one signature line"),
    "wrong-dash-hyphen": (
        TEXT + "\n" + LINE.replace("—", "-"),
        "signature line 1",
        "em dash (U+2014) and a space; found '- '",
    ),
    "wrong-dash-en-dash": (TEXT + "\n" + LINE.replace("—", "–"), "signature line 1", "found '– '"),
    "no-space-after-dash": (
        TEXT + "\n" + LINE.replace("— ", "—"),
        "signature line 1",
        "em dash (U+2014) and a space",
    ),
    "bad-base64": (
        SPEC_NOTE.replace("Uw2Q", "Uw2Q!"),
        "signature line 1",
        "expected standard base64 (RFC 4648 §4); found 'Uw2Q!",
    ),
    "base64-unpadded": (
        SPEC_NOTE.replace("aQM=", "aQM"),
        "signature line 1",
        "expected standard base64",
    ),
    "base64-noncanonical-bits": (
        SPEC_NOTE.replace("aQM=", "aQN="),
        "signature line 1",
        "expected standard base64",
    ),
    "signature-4-bytes": (
        TEXT + "\n— example.com/foo AAAAAA==\n",
        "signature line 1",
        "expected at least 5 bytes (4-byte key ID and a signature); found 4",
    ),
    "name-with-plus": (
        SPEC_NOTE.replace("example.com/foo", "example.com+foo"),
        "signature line 1",
        "without spaces, '+' or control characters; found U+002B",
    ),
    "double-space": (
        SPEC_NOTE.replace("foo ", "foo  "),
        "signature line 1",
        "with single spaces; found 3 space-separated field(s)",
    ),
    "missing-name": (
        TEXT + f"\n— {SIG_B64}\n",
        "signature line 1",
        "found 1 space-separated field(s)",
    ),
    "second-line-bad": (SPEC_NOTE + "— x AAA\n", "signature line 2", "expected standard base64"),
    "control-char": (
        SPEC_NOTE.replace("an example", "an\x07example"),
        "note",
        "no control characters other than newline and valid UTF-8; found U+0007 at offset 10",
    ),
    "carriage-return": (SPEC_NOTE.replace("\n", "\r\n"), "note", "found U+000D"),
    "no-final-newline": (SPEC_NOTE[:-1], "note", "expected note text ending in a newline"),
    "invalid-utf8": (
        SPEC_NOTE.encode().replace(b"This", b"Th\xffs"),
        "note",
        "expected UTF-8; found byte 0xff at offset 2",
    ),
    "lone-surrogate": (SPEC_NOTE.replace("This", "Th\ud800s"), "note", "found U+D800"),
    "too-many-signatures": (
        TEXT + "\n" + LINE * (MAX_SIGNATURES + 1),
        "signatures",
        "expected at most 100 signature lines; found 101",
    ),
}


@pytest.mark.parametrize(("note", "field", "message"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutation_is_refused(note: str | bytes, field: str, message: str) -> None:
    with pytest.raises(FormatError, match=re.escape(message)) as raised:
        parse_signed_note(note)
    assert raised.value.field == field


def test_base_of_the_mutations_is_valid() -> None:
    assert parse_signed_note(TEXT + "\n" + LINE).render() == SPEC_NOTE


def test_accepts_the_maximum_number_of_signatures() -> None:
    note = parse_signed_note(TEXT + "\n" + LINE * MAX_SIGNATURES)
    assert len(note.signatures) == MAX_SIGNATURES
    verifier = verifier_from_vkey(SPEC_VKEY)
    assert verify_note(note, [verifier]) == [verifier]


def test_last_blank_line_wins() -> None:
    # A text may hold empty lines and even lines that look like signatures.
    text = "a\n\n— fake AAAAAAA=\n\nb\n"
    note = parse_signed_note(text + "\n" + LINE)
    assert note.text == text
    assert [s.name for s in note.signatures] == ["example.com/foo"]
