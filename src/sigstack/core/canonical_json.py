"""RFC 8785 JSON Canonicalization Scheme (JCS).

Canonical JSON is what the transparency log hashes into its Merkle leaves
(transparency-log.md §1.2 "Canonicalization", §2.1 "Logged entry") and what a
Rekor v1 SignedEntryTimestamp signs (§1.5).

For the values the log builds (string and integer leaves, ASCII object keys),
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` emits
exactly the JCS bytes:

* JCS string escaping (RFC 8785 §3.2.2.2) is ``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``
  and ``\\u00xx`` (lower-case hex) for the other controls below U+0020, every other
  code point as UTF-8; CPython's encoder does the same with ``ensure_ascii=False``.
* JCS sorts object keys by UTF-16 code units (§3.2.3); for ASCII keys that is the
  code-point order ``sort_keys`` uses.
* Integers in the IEEE 754 safe range print identically.

Anything else (floats, non-ASCII keys, large integers, unusual types) goes to the
``rfc8785`` package. ``tests/unit/core/test_canonical_json.py`` checks that both
paths agree.

>>> canonicalize({"b": [1, "é"], "a": None})
b'{"a":null,"b":[1,"\\xc3\\xa9"]}'
"""

from __future__ import annotations

import json

import rfc8785

from sigstack.errors import FormatError

__all__ = ["canonicalize"]

_INT_MAX = 2**53 - 1
_INT_MIN = -(2**53) + 1


def _fast_path_ok(value: object) -> bool:
    """True when ``json.dumps`` is byte-identical to JCS for ``value`` (see module docstring)."""
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if item is None or type(item) is str or type(item) is bool:
            continue
        if type(item) is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return False
        elif type(item) is dict:
            for key, child in item.items():
                if type(key) is not str or not key.isascii():
                    return False
                stack.append(child)
        elif type(item) is list or type(item) is tuple:
            stack.extend(item)
        else:
            return False
    return True


def canonicalize(value: object) -> bytes:
    """Serialize ``value`` as RFC 8785 canonical JSON (UTF-8 bytes).

    Raises ``FormatError`` when ``value`` has no JCS form: NaN/infinite floats,
    integers outside ±(2**53 - 1), non-string keys, lone surrogates, other types.
    """
    if _fast_path_ok(value):
        try:
            return json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except UnicodeEncodeError as exc:
            raise FormatError(
                "expected text that is valid Unicode, found a lone surrogate "
                f"(code point U+{ord(exc.object[exc.start]):04X}); RFC 8785 requires UTF-8"
            ) from exc
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise FormatError(
            f"expected a value with an RFC 8785 form, found one without: {exc}"
        ) from exc
