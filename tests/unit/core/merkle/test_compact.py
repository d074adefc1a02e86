"""Compact ranges [0, end): append, visitor, root, serialization."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reference import merkle_ref

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.nodes import range_nodes
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, leaf_hash
from sigstack.errors import FormatError

from .vectors import NODE_HASHES, ROOT_HASHES, entries

D = entries(5000)
LEAVES = [leaf_hash(d) for d in D]
REF = merkle_ref.MemoTree(D)


def build(n: int) -> CompactRange:
    cr = CompactRange()
    cr.extend(LEAVES[:n])
    return cr


@pytest.mark.parametrize("size", range(9))
def test_compact_trees_vectors(size: int) -> None:
    # transparency-dev/merkle testonly.CompactTrees(): one node per set bit of size.
    want = [NODE_HASHES[n.level][n.index] for n in range_nodes(0, size)]
    cr = build(size)
    assert cr.hashes == want
    assert cr.root() == ROOT_HASHES[size]


def test_empty_range() -> None:
    cr = CompactRange()
    assert (cr.end, cr.hashes, cr.root(), cr.to_bytes()) == (0, [], EMPTY_ROOT, b"")


@pytest.mark.parametrize("size", range(1, 70))
def test_visitor_sees_every_perfect_node_once(size: int) -> None:
    seen: list[tuple[int, int, bytes]] = []
    cr = CompactRange()
    for leaf in LEAVES[:size]:
        cr.append(leaf, lambda lv, i, h: seen.append((lv, i, h)))
    want = {
        (lv, i) for lv in range(size.bit_length()) for i in range(size >> lv)
    }  # all perfect subtrees inside [0, size)
    assert len(seen) == len(want) and {(lv, i) for lv, i, _ in seen} == want
    for lv, i, h in seen:
        assert h == REF.mth(i << lv, (i + 1) << lv)
    assert cr.root() == REF.root(size)


def test_extend_with_level_step_visits_only_those_levels() -> None:
    seen: list[tuple[int, int]] = []
    cr = CompactRange()
    cr.extend(
        LEAVES[:1000], lambda lv, i, h: seen.append((lv, i)), level_step=8, visit_leaves=False
    )
    assert seen == [(8, 0), (8, 1), (8, 2)]
    assert cr == build(1000)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=12))
def test_any_batch_split_gives_the_reference_root(batches: list[int]) -> None:
    cr, done = CompactRange(), 0
    for n in batches:
        n = min(n, len(LEAVES) - done)
        cr.extend(LEAVES[done : done + n])
        done += n
        assert cr.end == done
        assert cr.root() == REF.root(done)
    assert cr == CompactRange.from_bytes(done, cr.to_bytes())


def test_copy_is_independent() -> None:
    cr = build(5)
    twin = cr.copy()
    twin.append(LEAVES[5])
    assert (cr.end, twin.end) == (5, 6)
    assert cr == build(5) and twin == build(6)
    cr.hashes.clear()  # a copy: the range itself is untouched
    assert cr == build(5)


def test_bytes_round_trip() -> None:
    cr = build(13)
    assert len(cr.to_bytes()) == 3 * 32
    assert CompactRange.from_bytes(13, cr.to_bytes()) == cr
    assert CompactRange(13, cr.hashes).root() == REF.root(13)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(lambda: CompactRange(3, [LEAVES[0]]), "hashes", id="too-few-hashes"),
        pytest.param(lambda: CompactRange(1, [b"x" * 31]), "hashes[0]", id="short-hash"),
        pytest.param(lambda: CompactRange(-1), "end", id="negative-end"),
        pytest.param(lambda: CompactRange.from_bytes(3, b"x" * 63), "data", id="bad-bytes"),
        pytest.param(lambda: CompactRange().append(b"x" * 33), "leaf_hash", id="long-leaf"),
    ],
)
def test_invalid_input(call: object, field: str) -> None:
    with pytest.raises(FormatError) as exc:
        call()  # type: ignore[operator]
    assert exc.value.field == field


def test_failed_extend_leaves_the_range_unchanged() -> None:
    cr = build(3)
    with pytest.raises(FormatError, match="expected a 32-byte leaf hash, found 3 bytes"):
        cr.extend([LEAVES[3], LEAVES[4], b"bad"])
    assert cr == build(3)
