"""integrate(): new compact range, root and C2SP tiles after appending a batch."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.integrate import edge_tile_keys, integrate
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, leaf_hash
from sigstack.core.merkle.tiles import partial_width
from sigstack.errors import FormatError

from .conftest import TiledTree, tiled_tree
from .vectors import entries

LEAVES = [leaf_hash(d) for d in entries(2_000)]


def test_big_tree_roots_match_the_reference(big_tree: TiledTree) -> None:
    assert len(big_tree.checkpoints) > 30
    for size, root in big_tree.checkpoints:
        assert root == big_tree.ref.root(size), size


def test_big_tree_tile_shapes_match_the_spec_example(big_tree: TiledTree) -> None:
    # size 70,000 → 273 full L0 tiles + L0 .p/112, 1 full L1 + L1 .p/17, L2 .p/1.
    widths = {key: len(tile) // 32 for key, tile in big_tree.tiles.items()}
    assert sorted(k for k in widths if k[0] == 0) == [(0, n) for n in range(274)]
    assert all(widths[(0, n)] == 256 for n in range(273))
    assert widths[(0, 273)] == 112
    assert (widths[(1, 0)], widths[(1, 1)], widths[(2, 0)]) == (256, 17, 1)
    assert len(widths) == 274 + 2 + 1
    assert all(len(tile) % 32 == 0 for tile in big_tree.tiles.values())


def test_big_tree_tiles_hold_the_reference_nodes(big_tree: TiledTree) -> None:
    ref = big_tree.ref
    for (tile_level, tile_index), tile in big_tree.tiles.items():
        level = 8 * tile_level
        for pos in range(len(tile) // 32):
            node = tile_index * 256 + pos
            want = ref.mth(node << level, (node + 1) << level)
            assert tile[pos * 32 : pos * 32 + 32] == want, (tile_level, tile_index, pos)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=10), st.integers(0, 2**32))
def test_any_batch_split_gives_the_one_shot_tiles(batches: list[int], seed: int) -> None:
    size = min(sum(batches), len(LEAVES))
    one_shot = integrate(CompactRange(), {}, LEAVES[:size])
    tree = tiled_tree(size, seed=seed, max_batch=max(batches))
    assert tree.tiles == one_shot.tiles
    assert tree.range == one_shot.range
    assert tree.checkpoints[-1] == (size, one_shot.root)


def test_each_result_lists_exactly_the_changed_tiles() -> None:
    base = integrate(CompactRange(), {}, LEAVES[:300])
    assert set(base.tiles) == {(0, 0), (0, 1), (1, 0)}
    edge = {k: base.tiles[k] for k in edge_tile_keys(300)}
    assert set(edge) == {(0, 1), (1, 0)}
    more = integrate(base.range, edge, LEAVES[300:310])
    assert set(more.tiles) == {(0, 1)}  # no new level-8 node yet
    assert len(more.tiles[(0, 1)]) == 54 * 32
    assert more.tiles[(0, 1)] == b"".join(LEAVES[256:310])


def test_inputs_are_not_mutated() -> None:
    base = integrate(CompactRange(), {}, LEAVES[:300])
    range_before = base.range.copy()
    edge = {k: base.tiles[k] for k in edge_tile_keys(300)}
    edge_before = dict(edge)
    batch = LEAVES[300:600]
    integrate(base.range, edge, batch)
    assert base.range == range_before
    assert edge == edge_before
    assert batch == LEAVES[300:600]


def test_empty_batch_changes_nothing() -> None:
    assert integrate(CompactRange(), {}, []).root == EMPTY_ROOT
    base = integrate(CompactRange(), {}, LEAVES[:5])
    again = integrate(base.range, {(0, 0): base.tiles[(0, 0)]}, [])
    assert (again.root, again.range, again.tiles) == (base.root, base.range, {})


def test_overlong_edge_tile_is_cut_back() -> None:
    # Left over from an interrupted integration: the stored tile has 20 hashes, size is 10.
    base = integrate(CompactRange(), {}, LEAVES[:10])
    stale = b"".join(LEAVES[:10]) + b"\xff" * 32 * 10
    result = integrate(base.range, {(0, 0): stale}, LEAVES[10:12])
    assert result.tiles[(0, 0)] == b"".join(LEAVES[:12])


def test_missing_edge_tile_is_an_error() -> None:
    base = integrate(CompactRange(), {}, LEAVES[:10])
    with pytest.raises(FormatError, match=r"edge tile \(0, 0\) must hold 10 hashes, found 0"):
        integrate(base.range, {}, LEAVES[10:12])
    with pytest.raises(FormatError, match="must hold 10 hashes, found 9"):
        integrate(base.range, {(0, 0): base.tiles[(0, 0)][:-32]}, LEAVES[10:12])


def test_bad_leaf_hash_is_rejected() -> None:
    with pytest.raises(FormatError, match="32-byte leaf hash") as exc:
        integrate(CompactRange(), {}, [LEAVES[0], b"short"])
    assert exc.value.field == "leaf_hash"


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 65_536, 70_000, 2**40 + 3])
def test_edge_tile_keys(size: int) -> None:
    keys = edge_tile_keys(size)
    assert all(partial_width(size, level) for level, _ in keys)
    assert [lv for lv, _ in keys] == [lv for lv in range(6) if partial_width(size, lv)]


def test_speed_is_well_above_the_benchmark_floor() -> None:
    """A smoke check only (the real number is in the report): >= 50k leaves/s."""
    import time

    leaves = [bytes(random.Random(7).randbytes(32)) for _ in range(1)] * 20_000
    start = time.perf_counter()
    integrate(CompactRange(), {}, leaves)
    assert 20_000 / (time.perf_counter() - start) > 50_000
