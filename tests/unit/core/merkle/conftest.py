"""A 70,000-leaf tiled tree, integrated once per session in random batches."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from tests.reference import merkle_ref

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.integrate import edge_tile_keys, integrate
from sigstack.core.merkle.rfc6962 import leaf_hash

from .vectors import entries


@dataclass
class TiledTree:
    """Leaves integrated batch by batch into an in-memory tile store."""

    leaves: list[bytes]
    ref: merkle_ref.MemoTree
    tiles: dict[tuple[int, int], bytes] = field(default_factory=dict)
    range: CompactRange = field(default_factory=CompactRange)
    #: (size, root returned by integrate) after each batch
    checkpoints: list[tuple[int, bytes]] = field(default_factory=list)

    def add(self, n: int) -> None:
        edge = {k: self.tiles[k] for k in edge_tile_keys(self.range.end) if k in self.tiles}
        start = self.range.end
        result = integrate(self.range, edge, self.leaves[start : start + n])
        self.tiles.update(result.tiles)
        self.range = result.range
        self.checkpoints.append((result.range.end, result.root))

    def read_tile(self, tile_level: int, tile_index: int) -> bytes:
        return self.tiles[(tile_level, tile_index)]


def tiled_tree(size: int, seed: int, max_batch: int) -> TiledTree:
    data = entries(size)
    tree = TiledTree([leaf_hash(d) for d in data], merkle_ref.MemoTree(data))
    rng = random.Random(seed)
    while tree.range.end < size:
        tree.add(min(rng.randint(1, max_batch), size - tree.range.end))
    return tree


@pytest.fixture(scope="session")
def big_tree() -> TiledTree:
    """70,000 leaves: crosses the 256 and 65,536 boundaries (tile levels 0, 1, 2)."""
    return tiled_tree(70_000, seed=70_000, max_batch=3_000)


@pytest.fixture(scope="session")
def small_tree() -> TiledTree:
    """1,100 leaves in small batches (crosses several 256 boundaries)."""
    return tiled_tree(1_100, seed=1_100, max_batch=40)
