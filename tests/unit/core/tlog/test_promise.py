"""The SET payload (transparency-log.md §1.5): the direct construction is RFC 8785 exactly."""

from __future__ import annotations

import base64

import pytest
import rfc8785

from sigstack.core.tlog.promise import promise_payload
from sigstack.errors import FormatError

_LOG_ID = "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"


def _jcs(body: bytes, integrated_time: object, log_id: object, log_index: object) -> bytes:
    return rfc8785.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "integratedTime": integrated_time,
            "logID": log_id,
            "logIndex": log_index,
        }
    )


@pytest.mark.parametrize(
    ("body", "integrated_time", "log_id", "log_index"),
    [
        (b'{"kind":"hashedrekord"}', 1_700_000_000, _LOG_ID, 0),
        (b"", 1, _LOG_ID.upper(), 2**53 - 1),
        (bytes(range(256)), -(2**53) + 1, "abcXYZ019", 123_456_789),
        (b"\xff\xfe", 0, "0", -1),
    ],
)
def test_direct_bytes_are_rfc8785(
    body: bytes, integrated_time: int, log_id: str, log_index: int
) -> None:
    payload = promise_payload(body, integrated_time, log_id, log_index)
    assert payload == _jcs(body, integrated_time, log_id, log_index)


@pytest.mark.parametrize(
    "log_id", ["", 'a"b', "a\\b", "line\nbreak", "é0", "ab cd", "\u2028", "a\x00"]
)
def test_log_id_needing_escapes_is_rfc8785(log_id: str) -> None:
    assert promise_payload(b"body", 5, log_id, 6) == _jcs(b"body", 5, log_id, 6)


def test_bool_is_written_as_json_bool_not_integer() -> None:
    payload = promise_payload(b"x", True, _LOG_ID, False)  # type: ignore[arg-type]
    assert payload == _jcs(b"x", True, _LOG_ID, False)
    assert b'"integratedTime":true' in payload


@pytest.mark.parametrize("bad", [2**53, -(2**53), 2**64])
def test_integer_outside_the_safe_range_is_refused(bad: int) -> None:
    with pytest.raises(FormatError, match="RFC 8785"):
        promise_payload(b"x", bad, _LOG_ID, 1)
    with pytest.raises(FormatError, match="RFC 8785"):
        promise_payload(b"x", 1, _LOG_ID, bad)
