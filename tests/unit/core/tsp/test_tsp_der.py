"""The hand-concatenated DER pieces agree with asn1crypto's encoder (X.690)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import core  # type: ignore[import-untyped]

from sigstack.core.tsp import _der


@pytest.mark.parametrize(
    "value", [0, 1, 127, 128, 255, 256, 32767, 32768, 2**64, 2**127 + 5, 2**160 - 1]
)
def test_integer(value: int) -> None:
    assert _der.integer(value) == core.Integer(value).dump()


def test_negative_integer_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        _der.integer(-1)


@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 65535, 65536])
def test_lengths(size: int) -> None:
    content = b"\x01" * size
    assert _der.octet_string(content) == core.OctetString(content).dump()


def test_times() -> None:
    when = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    assert _der.generalized_time(when) == core.GeneralizedTime(when).dump()
    assert _der.utc_time(when) == core.UTCTime(when).dump()
    with pytest.raises(ValueError, match="2050"):
        _der.utc_time(datetime(2050, 1, 1, tzinfo=UTC))


def test_context_tag() -> None:
    assert _der.context(0, b"\x05\x00") == b"\xa0\x02\x05\x00"
