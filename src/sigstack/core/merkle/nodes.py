"""Which stored tree nodes an inclusion or consistency proof needs.

A log stores only *perfect* subtrees (a node covering ``2^level`` leaves that
all exist). A proof in a tree whose size is not a power of two may need one
node that is not perfect: the right-edge, "ephemeral" node. This module lists
the perfect nodes to fetch and says which of them must be hashed together to
rebuild that ephemeral node. The semantics follow transparency-dev/merkle
``proof.Inclusion`` / ``proof.Consistency`` / ``Nodes.Rehash``
(transparency-log.md §4.5); the proofs themselves are RFC 6962 §2.1.1/§2.1.2
``PATH`` and ``PROOF``.

>>> nodes = inclusion_nodes(0, 3)    # leaf 0 of 3: sibling leaf 1, then leaf 2
>>> nodes.ids
(NodeID(level=0, index=1), NodeID(level=0, index=2))
>>> [tuple(n) for n in consistency_nodes(3, 5).ids]
[(0, 2), (0, 3), (1, 0), (0, 4)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sigstack.core.merkle.rfc6962 import node_hash
from sigstack.errors import FormatError

__all__ = ["NodeID", "Nodes", "consistency_nodes", "inclusion_nodes", "range_nodes"]


class NodeID(NamedTuple):
    """A tree node covering leaves ``[index·2^level, (index+1)·2^level)``."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index(), as the API asks


_ROOT_LEAF = NodeID(0, 0)


@dataclass(frozen=True)
class Nodes:
    """The perfect-subtree nodes a proof needs, and how to turn their hashes into it.

    ``ids[begin:end]`` (if ``end - begin > 1``) are the perfect subtrees under
    the ephemeral node ``ephem``, ordered from the lowest (rightmost) to the
    highest; :meth:`rehash` folds them into one hash. Every other id is used as is.
    """

    ids: tuple[NodeID, ...]
    begin: int = 0
    end: int = 0
    ephem: NodeID = _ROOT_LEAF

    def rehash(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Return the proof, given ``hashes[i]`` = hash of ``ids[i]``."""
        if len(hashes) != len(self.ids):
            raise FormatError(
                f"expected {len(self.ids)} node hashes, found {len(hashes)}", field="hashes"
            )
        out = list(hashes[: self.begin])
        if self.end > self.begin:
            acc = hashes[self.begin]
            for left in hashes[self.begin + 1 : self.end]:
                acc = node_hash(left, acc)
            out.append(acc)
        out.extend(hashes[self.end :])
        return out

    def skip_first(self) -> Nodes:
        """The same proof without its first node (which the verifier already knows)."""
        shift = 1 if self.end > self.begin else 0
        return Nodes(self.ids[1:], self.begin - shift, self.end - shift, self.ephem)


def range_nodes(begin: int, end: int) -> list[NodeID]:
    """Perfect subtrees covering ``[begin, end)``, left to right.

    ``begin`` must be a multiple of the largest power of two not above
    ``end - begin`` (true for ``begin == 0``, which is a compact range).
    """
    out: list[NodeID] = []
    pos, remaining = begin, end - begin
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            out.append(NodeID(level, pos >> level))
            pos += 1 << level
    return out


def _path_nodes(level: int, index: int, size: int) -> Nodes:
    """Nodes proving that perfect node ``(level, index)`` is in the tree of ``size``.

    ``ids[0]`` is the node itself. Then come the siblings on the way up to the
    *fork* (where the path to this node leaves the path to leaf ``size``), then
    the perfect subtrees under the fork's right sibling (the ephemeral node,
    lowest first), then the perfect subtrees left of the fork (lowest first).
    """
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = NodeID(level + inner, index >> inner)
    fork_begin = fork.index << fork.level
    fork_end = fork_begin + (1 << fork.level)

    ids = [NodeID(level, index)]
    ids.extend(NodeID(lvl, (index >> (lvl - level)) ^ 1) for lvl in range(level, fork.level))
    begin = len(ids)
    ids.extend(reversed(range_nodes(fork_end, size)))
    end = len(ids)
    ids.extend(reversed(range_nodes(0, fork_begin)))
    if end <= begin:
        begin = end = 0
    return Nodes(tuple(ids), begin, end, NodeID(fork.level, fork.index ^ 1))


def inclusion_nodes(index: int, size: int) -> Nodes:
    """Nodes for the inclusion proof of leaf ``index`` in the tree of ``size`` (RFC 6962 §2.1.1)."""
    if not 0 <= index < size:
        raise FormatError(f"leaf index {index} is outside a tree of size {size}", field="index")
    return _path_nodes(0, index, size).skip_first()


def consistency_nodes(size1: int, size2: int) -> Nodes:
    """Nodes for the consistency proof from ``size1`` to ``size2`` (RFC 6962 §2.1.2).

    Empty when ``size1`` is 0 or equal to ``size2``. The proof starts from the
    last perfect subtree of the old tree (skipped when the old tree is itself
    perfect: the verifier knows its root) and continues with that node's
    inclusion path in the new tree.
    """
    if not 0 <= size1 <= size2:
        raise FormatError(
            f"expected 0 <= size1 <= size2, found size1={size1} size2={size2}", field="size1"
        )
    if size1 in (0, size2):
        return Nodes(())
    level = (size1 & -size1).bit_length() - 1
    nodes = _path_nodes(level, (size1 - 1) >> level, size2)
    return nodes.skip_first() if size1 & (size1 - 1) == 0 else nodes
