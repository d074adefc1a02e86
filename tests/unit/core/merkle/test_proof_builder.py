"""Proofs and roots read from tiles == RFC 6962 reference (tessera ProofBuilder idea)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from sigstack.core.merkle.proof import verify_consistency, verify_inclusion
from sigstack.core.merkle.proof_builder import (
    build_consistency_proof,
    build_inclusion_proof,
    node_hash_from_tiles,
    root_from_tiles,
)
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT
from sigstack.errors import FormatError, NotFoundError

from .conftest import TiledTree


def check_size(tree: TiledTree, size: int, indexes: list[int], sizes1: list[int]) -> None:
    read, ref = tree.read_tile, tree.ref
    root = ref.root(size)
    assert root_from_tiles(size, read) == root
    for index in indexes:
        proof = build_inclusion_proof(index, size, read)
        assert proof == ref.path(index, size), (index, size)
        verify_inclusion(index, size, tree.leaves[index], proof, root)
    for size1 in sizes1:
        proof = build_consistency_proof(size1, size, read)
        assert proof == (ref.proof(size1, size) if size1 else []), (size1, size)
        verify_consistency(size1, size, ref.root(size1), root, proof)


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param(range(1, 21), id="1-20"),
        pytest.param([255, 256, 257], id="255-257"),
        pytest.param([512, 513], id="512-513"),
        pytest.param([1_100], id="1100"),
    ],
)
def test_every_index_and_earlier_size(small_tree: TiledTree, sizes: Sequence[int]) -> None:
    # The tile store is the final one (1,100 leaves): tiles hold more than these sizes need.
    for size in sizes:
        check_size(small_tree, size, list(range(size)), list(range(size + 1)))


def test_every_batch_end_of_the_small_tree(small_tree: TiledTree) -> None:
    rng = random.Random(1)
    for size, root in small_tree.checkpoints:
        assert root_from_tiles(size, small_tree.read_tile) == root
        picks = [0, size - 1, rng.randrange(size)]
        check_size(small_tree, size, picks, [1, size, rng.randint(1, size)])


BOUNDARIES = [1, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 69_887, 69_888, 69_999, 70_000]


def test_big_tree_around_tile_boundaries(big_tree: TiledTree) -> None:
    rng = random.Random(2)
    sizes = BOUNDARIES + [rng.randint(1, 70_000) for _ in range(12)]
    for size in sizes:
        indexes = {i - d for i in BOUNDARIES for d in (0, 1) if 0 <= i - d < size}
        indexes |= {rng.randrange(size) for _ in range(10)}
        sizes1 = {s for s in BOUNDARIES if s <= size} | {rng.randint(1, size) for _ in range(10)}
        check_size(big_tree, size, sorted(indexes), sorted(sizes1))


def test_big_tree_batch_end_roots(big_tree: TiledTree) -> None:
    for size, root in big_tree.checkpoints:
        assert root_from_tiles(size, big_tree.read_tile) == root


def test_each_tile_is_read_once(big_tree: TiledTree) -> None:
    reads: list[tuple[int, int]] = []

    def read(tile_level: int, tile_index: int) -> bytes:
        reads.append((tile_level, tile_index))
        return big_tree.read_tile(tile_level, tile_index)

    build_inclusion_proof(12_345, 70_000, read)
    assert len(reads) == len(set(reads))
    assert set(reads) <= {(0, 48), (0, 273), (1, 0), (1, 1), (2, 0)}


def test_edge_cases(small_tree: TiledTree) -> None:
    read = small_tree.read_tile
    assert root_from_tiles(0, read) == EMPTY_ROOT
    assert build_consistency_proof(0, 10, read) == []
    assert build_consistency_proof(10, 10, read) == []
    assert build_inclusion_proof(0, 1, read) == []
    assert node_hash_from_tiles(8, 1, read) == small_tree.ref.mth(256, 512)
    with pytest.raises(FormatError, match="leaf index 10 is outside a tree of size 10"):
        build_inclusion_proof(10, 10, read)
    with pytest.raises(FormatError, match="size1=11 size2=10"):
        build_consistency_proof(11, 10, read)
    with pytest.raises(FormatError, match="tree size >= 0"):
        root_from_tiles(-1, read)


def test_missing_tile_propagates() -> None:
    def read(tile_level: int, tile_index: int) -> bytes:
        raise NotFoundError(f"no tile {tile_level}/{tile_index}")

    with pytest.raises(NotFoundError, match="no tile 0/0"):
        build_inclusion_proof(3, 10, read)


def test_short_tile_is_not_found(small_tree: TiledTree) -> None:
    with pytest.raises(NotFoundError, match="tile holds 3 hashes"):
        build_inclusion_proof(3, 10, lambda lv, i: small_tree.read_tile(lv, i)[: 3 * 32])
