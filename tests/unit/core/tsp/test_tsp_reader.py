"""The strict DER reader's fast paths give what its general path gives (X.690 §8.3, §8.19, §10)."""

from __future__ import annotations

import pytest

from sigstack.core.tsp.der import Cursor, TimestampFormatError, check_set_order


def _cursor(data: bytes) -> Cursor:
    return Cursor(data, 0, len(data))


@pytest.mark.parametrize(
    ("der", "value"),
    [
        (b"\x02\x01\x00", 0),
        (b"\x02\x01\x7f", 127),
        (b"\x02\x01\x80", -128),
        (b"\x02\x01\xff", -1),
        (b"\x02\x02\x00\x80", 128),
        (b"\x02\x02\xff\x7f", -129),
    ],
)
def test_integer(der: bytes, value: int) -> None:
    cursor = _cursor(der)
    assert cursor.integer("n") == value
    assert cursor.pos == len(der)


@pytest.mark.parametrize("der", [b"\x02\x02\x00\x01", b"\x02\x02\xff\x80"])
def test_integer_not_minimal_refused(der: bytes) -> None:
    with pytest.raises(TimestampFormatError, match="minimal form"):
        _cursor(der).integer("n")


def test_integer_truncated_refused() -> None:
    with pytest.raises(TimestampFormatError, match="found it truncated"):
        _cursor(b"\x02\x01").integer("n")


def test_oid() -> None:
    cursor = _cursor(b"\x06\x03\x2a\x86\x48\x05\x00")
    assert cursor.oid("o") == b"\x2a\x86\x48"
    assert cursor.pos == 5


@pytest.mark.parametrize("der", [b"\x06\x02\x2a\x86", b"\x06\x00"])
def test_oid_malformed_refused(der: bytes) -> None:
    with pytest.raises(TimestampFormatError, match="malformed OBJECT IDENTIFIER"):
        _cursor(der).oid("o")


def test_oid_past_the_end_refused() -> None:
    with pytest.raises(TimestampFormatError, match="truncated"):
        Cursor(b"\x06\x03\x2a\x86\x48", 0, 4).oid("o")


def test_algorithm_null_parameters() -> None:
    sha256 = bytes.fromhex("300d06096086480165030402010500")
    assert _cursor(sha256).algorithm("a") == (bytes.fromhex("608648016503040201"), b"\x05\x00")
    assert _cursor(sha256).digest_algorithm("a") == "2.16.840.1.101.3.4.2.1"


def test_algorithm_other_parameters_refused_for_a_digest() -> None:
    with pytest.raises(TimestampFormatError, match="absent or NULL"):
        _cursor(bytes.fromhex("300e0609608648016503040201040100")).digest_algorithm("a")


def test_algorithm_trailing_bytes_refused() -> None:
    with pytest.raises(TimestampFormatError, match="the end of a"):
        _cursor(bytes.fromhex("300f060960864801650304020105000500")).algorithm("a")


def test_sub_reads_the_content_and_advances() -> None:
    cursor = _cursor(b"\x30\x03\x02\x01\x05\x04\x00")
    inner = cursor.sub(0x30, "s")
    assert (inner.pos, inner.end, cursor.pos) == (2, 5, 5)
    assert inner.integer("n") == 5
    inner.done("s")


def test_sub_non_minimal_length_refused() -> None:
    with pytest.raises(TimestampFormatError, match="shortest-form"):
        _cursor(b"\x30\x81\x03\x02\x01\x05").sub(0x30, "s")


@pytest.mark.parametrize(
    "items",
    [
        [b"\x30\x01\x01", b"\x30\x01\x02"],
        [b"\x30\x01", b"\x30\x01\x00"],  # a prefix sorts first
        [b"\x30\x01\x00", b"\x30\x01"],  # equal once 0-padded (X.690 §11.6)
        [b"\x04\x00", b"\x04\x00", b"\x31\x00"],
    ],
)
def test_set_order_accepted(items: list[bytes]) -> None:
    check_set_order(items, "s")


@pytest.mark.parametrize(
    "items",
    [
        [b"\x30\x01\x02", b"\x30\x01\x01"],
        [b"\x30\x01\x01", b"\x30\x01"],  # longer one first, not 0-padding
        [b"\x04\x00", b"\x31\x00", b"\x30\x00"],
    ],
)
def test_set_order_refused(items: list[bytes]) -> None:
    with pytest.raises(TimestampFormatError, match="DER SET OF order"):
        check_set_order(items, "s")
