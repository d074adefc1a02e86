"""Build inclusion and consistency proofs, and roots, from C2SP tiles.

The idea of tessera's ``client.ProofBuilder`` (transparency-log.md §4.5): list
the perfect-subtree nodes a proof needs (:mod:`.nodes`), read the few tiles
that hold them through a caller-supplied :data:`TileReader`, re-hash inner tile
rows where needed (:func:`.tiles.hash_from_tile`), then rebuild the ephemeral
right-edge node (:meth:`.nodes.Nodes.rehash`).

The reader may return a tile holding more hashes than the requested tree size
needs (the log has grown since): only nodes inside the requested size are
ever read, so the extra hashes are never used. Each tile is read at most once
per call.
"""

from __future__ import annotations

from collections.abc import Callable

from sigstack.core.merkle.nodes import (
    NodeID,
    Nodes,
    consistency_nodes,
    inclusion_nodes,
    range_nodes,
)
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, node_hash
from sigstack.core.merkle.tiles import hash_from_tile, node_tile_address
from sigstack.errors import FormatError

__all__ = [
    "TileReader",
    "build_consistency_proof",
    "build_inclusion_proof",
    "node_hash_from_tiles",
    "root_from_tiles",
]

#: ``read_tile(tile_level, tile_index)`` → the tile's bytes as stored (full, or
#: the partial prefix at the right edge). Raise :class:`~sigstack.errors.NotFoundError`
#: if there is no such tile.
TileReader = Callable[[int, int], bytes]


def _caching(read_tile: TileReader) -> TileReader:
    cache: dict[tuple[int, int], bytes] = {}

    def read(tile_level: int, tile_index: int) -> bytes:
        key = (tile_level, tile_index)
        tile = cache.get(key)
        if tile is None:
            cache[key] = tile = read_tile(tile_level, tile_index)
        return tile

    return read


def node_hash_from_tiles(level: int, index: int, read_tile: TileReader) -> bytes:
    """Hash of the perfect-subtree node ``(level, index)``, read from its tile."""
    tile_level, tile_index, row, col = node_tile_address(level, index)
    return hash_from_tile(read_tile(tile_level, tile_index), row, col)


def _hashes(nodes: Nodes, read_tile: TileReader) -> list[bytes]:
    read = _caching(read_tile)
    return nodes.rehash([node_hash_from_tiles(n.level, n.index, read) for n in nodes.ids])


def build_inclusion_proof(index: int, size: int, read_tile: TileReader) -> list[bytes]:
    """RFC 6962 §2.1.1 ``PATH(index, D[0:size])`` read from tiles, leaf to root."""
    return _hashes(inclusion_nodes(index, size), read_tile)


def build_consistency_proof(size1: int, size2: int, read_tile: TileReader) -> list[bytes]:
    """RFC 6962 §2.1.2 ``PROOF(size1, D[0:size2])`` read from tiles.

    Empty when ``size1`` is 0 or equal to ``size2`` (see
    :func:`.proof.verify_consistency`); :class:`FormatError` if ``size1 > size2``.
    """
    return _hashes(consistency_nodes(size1, size2), read_tile)


def root_from_tiles(size: int, read_tile: TileReader) -> bytes:
    """Root hash of the tree of ``size`` (RFC 6962 §2.1 ``MTH``), read from tiles."""
    if size < 0:
        raise FormatError(f"expected a tree size >= 0, found {size}", field="size")
    if size == 0:
        return EMPTY_ROOT
    read = _caching(read_tile)
    ids: list[NodeID] = range_nodes(0, size)
    acc = node_hash_from_tiles(ids[-1].level, ids[-1].index, read)
    for node in reversed(ids[:-1]):
        acc = node_hash(node_hash_from_tiles(node.level, node.index, read), acc)
    return acc
