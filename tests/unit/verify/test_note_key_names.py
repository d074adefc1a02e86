"""Key names of signed notes (c2sp.org/signed-note "Format"), as the checkpoint check reads
them: the ASCII shortcut gives the verdict and message of the per-character rules."""

from __future__ import annotations

import pytest

from sigstack.core.note._base import check_key_name
from sigstack.errors import FormatError


def _rules(name: str) -> str | None:
    """The per-character rules (no spaces, '+', controls or surrogates), as the oracle."""
    for char in name:
        if char.isspace() or char == "+" or ord(char) < 0x20 or 0xD800 <= ord(char) < 0xE000:
            return f"U+{ord(char):04X}"
    return None


def _verdict(name: str) -> str | None:
    try:
        check_key_name(name)
    except FormatError as exc:
        return exc.message
    return None


@pytest.mark.parametrize("code", range(0x80))
def test_every_ascii_character_in_every_position(code: int) -> None:
    for name in (chr(code), f"log{chr(code)}", f"{chr(code)}log", f"a{chr(code)}b"):
        bad = _rules(name)
        message = _verdict(name)
        if bad is None:
            assert message is None, name
        else:
            assert message is not None and f"found {bad} in" in message, name


@pytest.mark.parametrize("name", ["rekor.example\u00a0", "log\u2003x", "ok\u00e9", "\ud800"])
def test_non_ascii_names_take_the_per_character_rules(name: str) -> None:
    bad = _rules(name)
    message = _verdict(name)
    assert (message is None) == (bad is None)
    if bad is not None:
        assert message is not None and f"found {bad} in" in message


def test_empty_name() -> None:
    assert _verdict("") == "expected a non-empty key name; found an empty one"
