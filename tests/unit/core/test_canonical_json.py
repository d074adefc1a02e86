"""RFC 8785 canonical JSON: the json.dumps fast path and the rfc8785 fallback agree."""

from __future__ import annotations

import json
import math

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from sigstack.core.canonical_json import _fast_path_ok, canonicalize
from sigstack.errors import FormatError

SAFE_INT = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
TEXT = st.text()  # any code point except lone surrogates (hypothesis excludes them)
ASCII_KEYS = st.text(alphabet=st.characters(max_codepoint=127))
SCALARS = st.none() | st.booleans() | SAFE_INT | TEXT
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def json_values(
    keys: st.SearchStrategy[str], scalars: st.SearchStrategy[object]
) -> st.SearchStrategy[object]:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=20,
    )


@settings(max_examples=300)
@given(json_values(ASCII_KEYS, SCALARS))
def test_fast_path_is_byte_identical_to_rfc8785(value: object) -> None:
    assert _fast_path_ok(value)
    assert canonicalize(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@settings(max_examples=300)
@given(json_values(st.text(), SCALARS | FLOATS))
def test_any_json_value_matches_rfc8785(value: object) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@settings(max_examples=100)
@given(json_values(ASCII_KEYS, SCALARS))
def test_output_parses_back_to_the_same_value(value: object) -> None:
    assert json.loads(canonicalize(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            {"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}', id="sorted-keys"
        ),
        pytest.param({"s": "é€😀"}, '{"s":"é€😀"}'.encode(), id="non-ascii-as-utf8"),
        pytest.param(
            '\u0000\b\t\n\f\r"\\\u001f\u007f/',
            b'"\\u0000\\b\\t\\n\\f\\r\\"\\\\\\u001f\x7f/"',
            id="escapes",
        ),
        pytest.param([], b"[]", id="empty-array"),
        pytest.param({}, b"{}", id="empty-object"),
        pytest.param(2**53 - 1, b"9007199254740991", id="max-safe-int"),
        pytest.param(1.0, b"1", id="float-integral"),
        pytest.param(1e21, b"1e+21", id="float-exponent"),
        pytest.param(0.000001, b"0.000001", id="float-small"),
    ],
)
def test_known_encodings(value: object, expected: bytes) -> None:
    assert canonicalize(value) == expected


def test_rfc8785_section_3_2_3_sorts_keys_by_utf16_code_units() -> None:
    """The RFC's own example: U+1F600 (surrogate pair) sorts before U+FB33 in UTF-16."""
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    value = {name: "x" for name in names}
    assert not _fast_path_ok(value)
    keys = list(json.loads(canonicalize(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="infinity"),
        pytest.param(2**53, id="int-above-safe-range"),
        pytest.param(-(2**53), id="int-below-safe-range"),
        pytest.param({1: "a"}, id="non-string-key"),
        pytest.param({"a": {1, 2}}, id="set-value"),
        pytest.param(b"bytes", id="bytes-value"),
        pytest.param({"a": "\ud800"}, id="lone-surrogate-value-fast-path"),
        pytest.param({"é": "\udfff"}, id="lone-surrogate-value-fallback"),
    ],
)
def test_values_without_a_jcs_form_raise_format_error(value: object) -> None:
    with pytest.raises(FormatError, match="expected"):
        canonicalize(value)


def test_fast_path_is_used_only_when_it_is_safe() -> None:
    assert _fast_path_ok({"a": [1, "é", None, True, ("x",)]})
    assert not _fast_path_ok({"é": 1})
    assert not _fast_path_ok([1.5])
    assert not _fast_path_ok([2**60])
    assert not _fast_path_ok(object())


def test_docstring_example_runs() -> None:
    import doctest

    import sigstack.core.canonical_json

    assert doctest.testmod(sigstack.core.canonical_json).failed == 0
