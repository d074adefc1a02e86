"""The fast paths of the note parsers refuse exactly what the plain rules refuse, for the same
reason (c2sp.org/signed-note "Format", c2sp.org/tlog-checkpoint "Note text").

The references below are the straightforward readings of the rules (regex size, validating
base64 decode plus round trip, header-line diagnosis on every call); the parsers must agree
with them on the verdict, the error field and the message.
"""

from __future__ import annotations

import base64
import binascii
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sigstack.core.note import NoteSignature, SignedNote, parse_checkpoint, parse_signed_note
from sigstack.core.note._base import strict_b64decode
from sigstack.errors import FormatError

_MAX = 2**64 - 1
_HEADER = ("origin", "size", "root hash")
_ROOT = base64.b64encode(bytes(range(32))).decode()


def _ref_b64(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _ref_size(line: str) -> bool:
    return re.fullmatch(r"0|[1-9][0-9]*", line) is not None and int(line) <= _MAX


def _ref_root(line: str) -> bool:
    raw = _ref_b64(line)
    return raw is not None and len(raw) == 32


def _ref_missing(lines: list[str]) -> str | None:
    first = lines[0] if lines else ""
    second = lines[1] if len(lines) > 1 else None
    if _ref_size(first) and (second is None or _ref_root(second)):
        return "origin"
    if second is not None and not _ref_size(second) and _ref_root(second):
        return "size"
    if len(lines) == 2 and _ref_size(lines[1]):
        return "root hash"
    return None


def _ref_checkpoint_field(text: str) -> str | None:
    """The field a plain reading of tlog-checkpoint refuses ``text`` on, or None."""
    if not text.endswith("\n"):
        return "checkpoint"
    lines = text[:-1].split("\n")
    missing = _ref_missing(lines)
    if len(lines) < 3 or missing is not None:
        return missing or ("origin" if not lines[0] else _HEADER[len(lines)])
    origin, size, root, *extensions = lines
    if not origin:
        return "origin"
    if not _ref_size(size):
        return "size"
    raw = _ref_b64(root)
    if raw is None or len(raw) != 32:
        return "root hash"
    return "extension" if "" in extensions else None


b64_alphabet = st.sampled_from(list("AQgw+/=Zz09 \n-_é\x00"))
b64_texts = st.text(b64_alphabet, max_size=12) | st.sampled_from(
    ["", "AA==", "AB==", "AAA=", _ROOT]
)


@settings(max_examples=1500)
@given(b64_texts)
def test_strict_b64decode_matches_validating_decode_and_round_trip(text: str) -> None:
    expected = _ref_b64(text)
    if expected is None:
        try:
            strict_b64decode(text, field="f")
        except FormatError as exc:
            assert exc.field == "f"
            assert "expected standard base64" in str(exc)
        else:
            raise AssertionError(f"accepted {text!r}")
    else:
        assert strict_b64decode(text, field="f") == expected


line_pieces = st.sampled_from(
    [
        "",
        "origin",
        "log - 123",
        "0",
        "00",
        "01",
        "7",
        str(_MAX),
        str(_MAX + 1),
        "-1",
        "+1",
        "1 ",
        "\u0663",
        "\u00b2",
        _ROOT,
        _ROOT[:-1],
        _ROOT[:-2] + "B=",
        base64.b64encode(bytes(31)).decode(),
        "Timestamp: 1",
    ]
)


@settings(max_examples=1500)
@given(st.lists(line_pieces, max_size=5), st.booleans())
def test_checkpoint_refusals_match_the_plain_rules(lines: list[str], newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if newline else "")
    expected = _ref_checkpoint_field(text)
    try:
        checkpoint = parse_checkpoint(text)
    except FormatError as exc:
        assert exc.field == expected, (text, str(exc))
    else:
        assert expected is None, text
        assert checkpoint.to_text() == text
        assert (checkpoint.size, checkpoint.root_hash) == (int(lines[1]), bytes(range(32)))


def test_parsed_note_equals_the_validated_constructor_result() -> None:
    sig = base64.b64encode(b"\x01\x02\x03\x04" + bytes(64)).decode()
    note = parse_signed_note(f"a\n\n\u2014 log.example {sig}\n\u2014 w\u00e9 {sig}\n")
    expected = SignedNote(
        text="a\n",
        signatures=(
            NoteSignature("log.example", b"\x01\x02\x03\x04", bytes(64)),
            NoteSignature("w\u00e9", b"\x01\x02\x03\x04", bytes(64)),
        ),
    )
    assert note == expected
    assert note.render() == expected.render()
