"""The Rekor v1 SignedEntryTimestamp payload (transparency-log.md §1.5).

The log signs, and a verifier rebuilds, the RFC 8785 canonical JSON of the entry
without its ``verification`` (rekor ``pkg/api/entries.go: signEntry``)::

    {"body":"<b64>","integratedTime":<s>,"logID":"<hex>","logIndex":<n>}

One builder shared by the sequencer (signing) and the verifier, so the two can
never drift apart.

For the values a log produces the bytes are written directly: the keys are already in
RFC 8785 §3.2.3 order (``body`` < ``integratedTime`` < ``logID`` < ``logIndex``), base64
and an alphanumeric log ID need no escaping (§3.2.2.2), and an integer in the IEEE 754
safe range prints as its decimal digits (§3.2.2.3). Any other value (a log ID with other
characters, a non-integer or out-of-range number) goes through
:func:`~sigstack.core.canonical_json.canonicalize`, which also refuses what has no JCS form.
``tests/unit/core/tlog/test_promise.py`` checks both paths against the ``rfc8785`` package.
"""

from __future__ import annotations

from binascii import b2a_base64

from sigstack.core.canonical_json import canonicalize

__all__ = ["promise_payload"]

_INT_MAX = 2**53 - 1
_INT_MIN = -(2**53) + 1


def promise_payload(body: bytes, integrated_time: int, log_id_hex: str, log_index: int) -> bytes:
    """The bytes a Rekor v1 SignedEntryTimestamp signs: RFC 8785 JSON of these four fields."""
    if (
        type(integrated_time) is int
        and type(log_index) is int
        and _INT_MIN <= integrated_time <= _INT_MAX
        and _INT_MIN <= log_index <= _INT_MAX
        and log_id_hex.isascii()
        and log_id_hex.isalnum()
    ):
        return b'{"body":"%b","integratedTime":%d,"logID":"%b","logIndex":%d}' % (
            b2a_base64(body, newline=False),
            integrated_time,
            log_id_hex.encode("ascii"),
            log_index,
        )
    return canonicalize(
        {
            "body": b2a_base64(body, newline=False).decode("ascii"),
            "integratedTime": integrated_time,
            "logID": log_id_hex,
            "logIndex": log_index,
        }
    )
