"""The bundle's base64 and integer fields (sigstore-clients.md §9.1): the fast paths for
canonical padded base64 and plain decimal strings give exactly the verdicts of the full
rules (base64: standard or URL-safe alphabet, optional padding, PEM-style line breaks,
empty refused; integers: JSON numbers or decimal strings, never negative or boolean)."""

from __future__ import annotations

import base64
import binascii
import itertools
import random

import pytest

from sigstack.core.bundle.parse import _B64, _b64, _uint
from sigstack.errors import FormatError


def _reference(text: str) -> bytes:
    """The rules as written before the fast path, kept here as the oracle."""
    text = text.replace("\n", "")
    if not _B64.match(text) or not text:
        raise FormatError("expected non-empty base64", field="f")
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"invalid base64: {exc}", field="f") from None


def _verdict(fn: object, text: str) -> tuple[str, object]:
    try:
        return "ok", fn(text)  # type: ignore[operator]
    except FormatError as exc:
        return "refused", exc.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QUJD", b"ABC"),
        ("QUI=", b"AB"),
        ("QUI", b"AB"),  # unpadded
        ("QQ==", b"A"),
        ("QQ", b"A"),
        ("-_8=", b"\xfb\xff"),  # URL-safe
        ("QUJD\nREVG", b"ABCDEF"),  # PEM-style wrapping
    ],
)
def test_accepted(text: str, expected: bytes) -> None:
    assert _b64(text, "f") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected non-empty base64"),
        ("QQ===", "expected non-empty base64"),  # excess padding (strict mode allows some)
        ("+00A===", "expected non-empty base64"),
        ("QUJD====", "expected non-empty base64"),
        ("QU=D", "expected non-empty base64"),
        ("=QUJ", "expected non-empty base64"),
        ("QUJ é", "expected non-empty base64"),
        ("Q", "invalid base64"),
    ],
)
def test_refused_with_the_same_reason(text: str, message: str) -> None:
    with pytest.raises(FormatError) as info:
        _b64(text, "f")
    assert info.value.message.startswith(message)
    assert _verdict(lambda t: _b64(t, "f"), text) == _verdict(_reference, text)


def test_same_verdict_as_the_full_rules_on_every_short_string() -> None:
    alphabet = "AQ+/=-_\n é"
    for size in range(7):
        for chars in itertools.product(alphabet, repeat=size):
            text = "".join(chars)
            assert _verdict(lambda t: _b64(t, "f"), text) == _verdict(_reference, text), text


def test_same_verdict_on_edited_encodings() -> None:
    rng = random.Random(5)
    for _ in range(20_000):
        text = base64.b64encode(rng.randbytes(rng.randrange(1, 24))).decode()
        spot = rng.randrange(len(text))
        edited = text[:spot] + rng.choice("A=+/-_\n") + text[spot + 1 :]
        for candidate in (text, edited, edited.rstrip("="), edited + "=", edited + "=="):
            assert _verdict(lambda t: _b64(t, "f"), candidate) == _verdict(_reference, candidate), (
                candidate
            )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (7, 7), ("0", 0), ("0042", 42), (str(2**63), 2**63)],
)
def test_integers_accepted(value: object, expected: int) -> None:
    assert _uint(value, "f") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "expected a non-negative integer, found -1"),
        ("-1", "expected a non-negative integer, found -1"),
        (True, "expected an integer, found bool"),
        (1.0, "expected an integer, found float"),
        ("", "expected a decimal integer, found ''"),
        ("١٢", "expected a decimal integer, found '١٢'"),  # non-ASCII digits
        ("1_000", "expected a decimal integer, found '1_000'"),
        (" 1", "expected a decimal integer, found ' 1'"),
    ],
)
def test_integers_refused(value: object, message: str) -> None:
    with pytest.raises(FormatError) as info:
        _uint(value, "f")
    assert info.value.message == message
