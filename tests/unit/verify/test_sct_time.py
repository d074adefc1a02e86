"""The SCT time in milliseconds (RFC 6962 §3.2) that step 2 puts in the signed data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sigstack.verify._cert import _millis


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
        (datetime(1970, 1, 1, 0, 0, 0, 999, tzinfo=UTC), 0),  # floor, not round
        (datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), 1),
        (datetime(2026, 11, 22, 6, 0, 0, 123_999, tzinfo=UTC), 1_795_327_200_123),
        (datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC), -1),
    ],
)
def test_millis(moment: datetime, expected: int) -> None:
    assert _millis(moment) == expected


def test_millis_is_the_timedelta_arithmetic_of_rfc_6962() -> None:
    start = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    for step in range(0, 5_000_000, 7_919):
        moment = start + timedelta(microseconds=step)
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        old = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
        assert _millis(moment) == old
