"""Stage 2, INTEGRATE: fold sequenced leaves into tiles and a new root.

The pure work (compact range, tile rows) is :func:`sigstack.core.merkle.integrate.integrate`;
this stage keeps the right edge of the tree in memory (the compact range and
one partial tile per tile level), writes what changed in one storage
transaction guarded by the previous size, and hands out immutable
:class:`TreeSnapshot` values for proof building (tessera ``storage/internal/integrate.go``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.integrate import integrate
from sigstack.core.merkle.tiles import TILE_WIDTH, partial_width
from sigstack.errors import StorageError
from sigstack.services.tlog.storage import LogStorage, TreeState

__all__ = ["Integrator", "TreeSnapshot", "edge_tiles_of"]

_HASH = 32


@dataclass(frozen=True, slots=True)
class TreeSnapshot:
    """An integrated tree: size, root, and its partial right-edge tiles."""

    size: int
    root: bytes
    #: (tile level, tile index) -> the partial tile of exactly the width this size implies.
    edge_tiles: dict[tuple[int, int], bytes]

    def is_full_tile(self, level: int, index: int) -> bool:
        """Whether tile (level, index) is complete (immutable) in a tree of this size."""
        return (index + 1) << (8 * (level + 1)) <= self.size


def edge_tiles_of(
    size: int, read: dict[tuple[int, int], bytes] | LogStorage
) -> dict[tuple[int, int], bytes]:
    """The partial tiles at the right edge of a tree of ``size``, trimmed to their width."""
    edges: dict[tuple[int, int], bytes] = {}
    level = 0
    while size >> (8 * level):
        width = partial_width(size, level)
        if width:
            index = size >> (8 * (level + 1))
            data = (
                read.get((level, index)) if isinstance(read, dict) else read.read_tile(level, index)
            )
            if data is None or len(data) < width * _HASH:
                raise StorageError(
                    f"tile {level}/{index} is missing or shorter than {width} hashes"
                )
            edges[(level, index)] = data[: width * _HASH]
        level += 1
    return edges


class Integrator:
    """Keeps the tree's right edge and integrates leaves into storage. Not thread-safe:
    one writer thread owns it."""

    def __init__(self, storage: LogStorage) -> None:
        self._storage = storage
        state = storage.tree_state()
        self._range = CompactRange.from_bytes(state.size, state.compact_range)
        self._edges = edge_tiles_of(state.size, storage)
        self.snapshot = TreeSnapshot(state.size, self._range.root(), dict(self._edges))

    @property
    def size(self) -> int:
        """Integrated tree size."""
        return self._range.end

    def integrate(
        self, leaf_hashes: Sequence[bytes]
    ) -> tuple[TreeSnapshot, dict[tuple[int, int], bytes]]:
        """Append leaves; return the new snapshot and the tiles that became full."""
        if not leaf_hashes:
            return self.snapshot, {}
        old_size = self._range.end
        result = integrate(self._range, self._edges, leaf_hashes)
        new_size = result.range.end
        self._storage.integrate(
            old_size, TreeState(new_size, result.range.to_bytes(), result.root), result.tiles
        )
        self._range = result.range
        merged = {**self._edges, **result.tiles}
        self._edges = edge_tiles_of(new_size, merged)
        full = {key: data for key, data in result.tiles.items() if len(data) == TILE_WIDTH * _HASH}
        self.snapshot = TreeSnapshot(new_size, result.root, dict(self._edges))
        return self.snapshot, full
