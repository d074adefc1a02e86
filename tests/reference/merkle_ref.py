"""Naive RFC 6962 §2.1 Merkle tree: MTH, PATH and PROOF written as the RFC text reads.

Used only to cross-check ``sigstack.core.merkle``. It deliberately shares no
code with it (hashing included) and favours being obviously right over speed:
every function recurses on list slices exactly like the RFC's definitions.

:class:`MemoTree` is the same recursion over ``[lo, hi)`` index ranges with
``MTH`` memoized, for trees too large for the slice version; the tests check
it against the slice version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1: the Merkle Tree Hash of a list of data entries."""
    n = len(entries)
    if n == 0:
        return _sha256(b"")
    if n == 1:
        return _sha256(b"\x00" + entries[0])
    k = _k(n)
    return _sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1: PATH(m, D[n]), the audit path for leaf m, leaf to root."""
    n = len(entries)
    assert 0 <= m < n
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def proof(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m <= n."""
    assert 0 < m <= len(entries)
    return subproof(m, entries, True)


def subproof(m: int, entries: Sequence[bytes], b: bool) -> list[bytes]:
    """RFC 6962 §2.1.2: SUBPROOF(m, D[n], b)."""
    n = len(entries)
    if m == n:
        return [] if b else [mth(entries)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, entries[:k], b), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


class MemoTree:
    """The same definitions over index ranges of a fixed entry list, with MTH memoized."""

    def __init__(self, entries: Sequence[bytes]) -> None:
        self.entries = list(entries)
        self.mth = cache(self._mth)

    def _mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return _sha256(b"")
        if n == 1:
            return _sha256(b"\x00" + self.entries[lo])
        k = _k(n)
        return _sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))

    def root(self, size: int) -> bytes:
        return self.mth(0, size)

    def path(self, m: int, size: int) -> list[bytes]:
        assert 0 <= m < size
        out: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:  # PATH, unrolled from the root down; reversed at the end
            k = _k(hi - lo)
            if m - lo < k:
                out.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.mth(lo, lo + k))
                lo += k
        return out[::-1]

    def proof(self, m: int, size: int) -> list[bytes]:
        assert 0 < m <= size
        out: list[bytes] = []
        lo, hi, b = 0, size, True
        while m != hi - lo:
            k = _k(hi - lo)
            if m <= k:
                out.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.mth(lo, lo + k))
                m -= k
                lo += k
                b = False
        if not b:
            out.append(self.mth(lo, hi))
        return out[::-1]
