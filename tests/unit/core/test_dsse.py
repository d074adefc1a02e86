"""DSSE pre-authentication encoding (DSSE ``protocol.md``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigstack.core.dsse import pae
from sigstack.errors import FormatError


def test_pae_matches_the_dsse_spec_example() -> None:
    # DSSE protocol.md, "Test vectors"
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_of_empty_type_and_payload() -> None:
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_pae_counts_utf8_bytes_of_the_type_not_characters() -> None:
    assert pae("é", b"\x00\xff") == b"DSSEv1 2 \xc3\xa9 2 \x00\xff"


@given(st.text(), st.binary())
def test_pae_layout(payload_type: str, payload: bytes) -> None:
    type_bytes = payload_type.encode()
    expected = b"DSSEv1 " + str(len(type_bytes)).encode() + b" " + type_bytes
    assert (
        pae(payload_type, payload) == expected + b" " + str(len(payload)).encode() + b" " + payload
    )


def test_pae_refuses_a_lone_surrogate_in_the_type() -> None:
    with pytest.raises(FormatError, match="lone surrogate") as raised:
        pae("application/\ud800", b"{}")
    assert raised.value.field == "payloadType"


def test_docstring_example_runs() -> None:
    import doctest

    import sigstack.core.dsse

    assert doctest.testmod(sigstack.core.dsse).failed == 0
