"""Compact range ``[0, end)``: the O(log n) frontier of a Merkle tree.

A tree of ``end`` leaves is the concatenation of one perfect subtree per set
bit of ``end``, largest first. Keeping only the roots of those subtrees is
enough to append leaves and to compute the root (RFC 6962 §2.1 ``MTH``)
without reading the rest of the tree. This is transparency-dev/merkle's
``compact.Range`` restricted to ranges starting at 0 (transparency-log.md §4.5).

>>> from sigstack.core.merkle.rfc6962 import leaf_hash
>>> cr = CompactRange()
>>> for d in (b"a", b"b", b"c"):
...     cr.append(leaf_hash(d))
>>> cr.end, len(cr.hashes)
(3, 2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, HASH_SIZE, node_hash
from sigstack.errors import FormatError

__all__ = ["CompactRange", "Visitor"]

#: Called as ``visit(level, index, hash)`` for each node that becomes complete.
Visitor = Callable[[int, int, bytes], None]

_NODE_PREFIX = b"\x01"


class CompactRange:
    """Roots of the perfect subtrees covering ``[0, end)``, left to right."""

    __slots__ = ("_end", "_hashes")

    def __init__(self, end: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if end < 0:
            raise FormatError(f"expected a size >= 0, found {end}", field="end")
        if len(hashes) != end.bit_count():
            raise FormatError(
                f"a range of size {end} needs {end.bit_count()} hashes, found {len(hashes)}",
                field="hashes",
            )
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise FormatError(
                    f"expected a {HASH_SIZE}-byte hash, found {len(h)} bytes",
                    field=f"hashes[{i}]",
                )
        self._end = end
        self._hashes = [bytes(h) for h in hashes]

    @property
    def end(self) -> int:
        """Number of leaves in the range (the tree size)."""
        return self._end

    @property
    def hashes(self) -> list[bytes]:
        """Roots of the perfect subtrees, largest (leftmost) first. A copy."""
        return list(self._hashes)

    def append(self, leaf_hash: bytes, visit: Visitor | None = None) -> None:
        """Append one leaf. ``visit`` sees the leaf (level 0) and every merged parent."""
        self.extend((leaf_hash,), visit)

    def extend(
        self,
        leaf_hashes: Iterable[bytes],
        visit: Visitor | None = None,
        *,
        level_step: int = 1,
        visit_leaves: bool = True,
    ) -> None:
        """Append many leaves; the same as :meth:`append` in a loop, only faster.

        ``visit`` is called only for nodes whose level is a multiple of
        ``level_step`` (tiles want levels 0, 8, 16 …), and for leaves only if
        ``visit_leaves``. On error the range is left unchanged, but ``visit``
        may already have seen some nodes.
        """
        if level_step < 1:
            raise FormatError(f"expected level_step >= 1, found {level_step}", field="level_step")
        stack = list(self._hashes)
        end = self._end
        sha, prefix, pop, push = hashlib.sha256, _NODE_PREFIX, stack.pop, stack.append
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise FormatError(
                    f"expected a {HASH_SIZE}-byte leaf hash, found {len(leaf)} bytes",
                    field="leaf_hash",
                )
            h = leaf
            n = end
            if visit is None:
                while n & 1:
                    h = sha(prefix + pop() + h).digest()
                    n >>= 1
            else:
                if visit_leaves:
                    visit(0, end, h)
                level = 0
                while n & 1:
                    h = sha(prefix + pop() + h).digest()
                    n >>= 1
                    level += 1
                    if level % level_step == 0:
                        visit(level, n, h)
            push(h)
            end += 1
        self._hashes = stack
        self._end = end

    def root(self) -> bytes:
        """Root hash of the tree ``[0, end)``; :data:`EMPTY_ROOT` when empty."""
        if not self._hashes:
            return EMPTY_ROOT
        acc = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            acc = node_hash(left, acc)
        return acc

    def copy(self) -> CompactRange:
        """An independent copy."""
        new = CompactRange.__new__(CompactRange)
        new._end = self._end
        new._hashes = list(self._hashes)
        return new

    def to_bytes(self) -> bytes:
        """The hashes concatenated; together with :attr:`end` this is the whole range."""
        return b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, end: int, data: bytes) -> CompactRange:
        """Inverse of :meth:`to_bytes`; :class:`FormatError` if ``data`` has the wrong length."""
        if end < 0:
            raise FormatError(f"expected a size >= 0, found {end}", field="end")
        want = end.bit_count() * HASH_SIZE
        if len(data) != want:
            raise FormatError(
                f"a range of size {end} needs {want} bytes, found {len(data)}", field="data"
            )
        return cls(end, [data[i : i + HASH_SIZE] for i in range(0, want, HASH_SIZE)])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._end == other._end and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CompactRange(end={self._end}, hashes=[{len(self._hashes)} hashes])"
