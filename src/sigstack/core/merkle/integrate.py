"""Integrate sequenced leaves into a tiled tree: new compact range, root and tiles.

This is the pure core of tessera's ``storage/internal/integrate.go``
(transparency-log.md §4.5, §5): given the compact range of the current tree,
the right-edge (partial) tile at each tile level, and the new leaf hashes,
compute every tile (C2SP tlog-tiles) that changes. The caller does the I/O:
read the edge tiles, write the returned tiles, store the new range and root.

Tile level ``L`` holds tree level ``8·L``: node ``(8·L, i)`` is hash ``i mod 256``
of tile ``(L, i // 256)``. Level-0 tiles are the leaf hashes themselves; nodes
at levels 8, 16 … are captured by a visitor on :meth:`CompactRange.extend`
as they complete. Hashes are collected per level and sliced into tiles at the
end, so no per-node objects are built beyond the hashes themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.rfc6962 import HASH_SIZE
from sigstack.core.merkle.tiles import TILE_HEIGHT, TILE_WIDTH, partial_width
from sigstack.errors import FormatError

__all__ = ["IntegrationResult", "edge_tile_keys", "integrate"]

_TILE_BYTES = TILE_WIDTH * HASH_SIZE


@dataclass(frozen=True)
class IntegrationResult:
    """Outcome of :func:`integrate`."""

    #: Compact range of the new tree (``range.end`` is the new size).
    range: CompactRange
    #: Root hash of the new tree.
    root: bytes
    #: Every tile ``(tile_level, tile_index)`` that changed, with its full bytes
    #: (8,192 for a full tile, ``32·W`` for a partial one).
    tiles: dict[tuple[int, int], bytes]


def integrate(
    range_: CompactRange,
    edge_tiles: Mapping[tuple[int, int], bytes],
    leaf_hashes: Sequence[bytes],
) -> IntegrationResult:
    """Append ``leaf_hashes`` to the tree described by ``range_``.

    ``edge_tiles`` maps ``(tile_level, tile_index)`` to the stored right-edge
    tile at each level for the tree of size ``range_.end``; a missing entry is
    an empty tile. A stored tile holding more hashes than that size needs (left
    over from an interrupted integration) is cut back to what the size covers.
    Inputs are not mutated.
    """
    start = range_.end
    new_range = range_.copy()
    # Nodes at levels 8, 16, … in the order they complete; per tile level their
    # indexes are consecutive, starting at start >> (8·L).
    upper: dict[int, list[bytes]] = {}

    def visit(level: int, _index: int, h: bytes) -> None:
        bucket = upper.get(level)
        if bucket is None:
            upper[level] = bucket = []
        bucket.append(h)

    new_range.extend(leaf_hashes, visit, level_step=TILE_HEIGHT, visit_leaves=False)

    tiles: dict[tuple[int, int], bytes] = {}
    if leaf_hashes:
        _emit(tiles, edge_tiles, 0, start, b"".join(leaf_hashes))
    for level, hashes in upper.items():
        tile_level = level // TILE_HEIGHT
        _emit(tiles, edge_tiles, tile_level, start >> level, b"".join(hashes))
    return IntegrationResult(range=new_range, root=new_range.root(), tiles=tiles)


def _emit(
    out: dict[tuple[int, int], bytes],
    edge_tiles: Mapping[tuple[int, int], bytes],
    tile_level: int,
    first_index: int,
    new_hashes: bytes,
) -> None:
    """Write tiles for consecutive nodes at ``tile_level`` starting at ``first_index``."""
    first_tile = first_index // TILE_WIDTH
    keep = (first_index % TILE_WIDTH) * HASH_SIZE
    prefix = b""
    if keep:
        edge = edge_tiles.get((tile_level, first_tile))
        if edge is None or len(edge) < keep:
            found = 0 if edge is None else len(edge) // HASH_SIZE
            raise FormatError(
                f"edge tile ({tile_level}, {first_tile}) must hold {keep // HASH_SIZE} "
                f"hashes, found {found}",
                field="edge_tiles",
            )
        prefix = bytes(edge[:keep])
    data = prefix + new_hashes
    for offset in range(0, len(data), _TILE_BYTES):
        out[(tile_level, first_tile + offset // _TILE_BYTES)] = data[offset : offset + _TILE_BYTES]


def edge_tile_keys(size: int) -> list[tuple[int, int]]:
    """The ``(tile_level, tile_index)`` of each partial right-edge tile of a tree of ``size``.

    These are the tiles :func:`integrate` needs in ``edge_tiles``.
    """
    keys = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        if partial_width(size, level):
            keys.append((level, size >> (TILE_HEIGHT * (level + 1))))
        level += 1
    return keys
