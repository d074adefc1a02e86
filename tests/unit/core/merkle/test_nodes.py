"""Which nodes a proof needs (transparency-dev/merkle proof.Inclusion/Consistency semantics).

Proofs assembled from the listed perfect-subtree nodes must equal the RFC 6962
reference PATH/PROOF for every (index, size) and (size1, size2) up to 64.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reference import merkle_ref

from sigstack.core.merkle.nodes import (
    NodeID,
    Nodes,
    consistency_nodes,
    inclusion_nodes,
    range_nodes,
)
from sigstack.core.merkle.proof import consistency_proof_length, inclusion_proof_length
from sigstack.errors import FormatError

from .vectors import entries

N = 64
D = entries(N)
REF = merkle_ref.MemoTree(D)


def node_hash_ref(node: NodeID) -> bytes:
    return REF.mth(node.index << node.level, (node.index + 1) << node.level)


def check_shape(nodes: Nodes, size: int) -> None:
    """Every id is a perfect subtree inside the tree, and no id repeats."""
    assert len(set(nodes.ids)) == len(nodes.ids)
    for node in nodes.ids:
        assert (node.index + 1) << node.level <= size
    assert 0 <= nodes.begin <= nodes.end <= len(nodes.ids)


@pytest.mark.parametrize("size", range(1, N + 1))
def test_inclusion_nodes_rebuild_the_reference_path(size: int) -> None:
    for index in range(size):
        nodes = inclusion_nodes(index, size)
        check_shape(nodes, size)
        proof = nodes.rehash([node_hash_ref(n) for n in nodes.ids])
        assert proof == merkle_ref.path(index, D[:size]), (index, size)


@pytest.mark.parametrize("size2", range(1, N + 1))
def test_consistency_nodes_rebuild_the_reference_proof(size2: int) -> None:
    for size1 in range(1, size2 + 1):
        nodes = consistency_nodes(size1, size2)
        check_shape(nodes, size2)
        proof = nodes.rehash([node_hash_ref(n) for n in nodes.ids])
        assert proof == merkle_ref.proof(size1, D[:size2]), (size1, size2)


def test_memo_reference_agrees_with_slice_reference() -> None:
    for size in range(1, N + 1):
        assert REF.root(size) == merkle_ref.mth(D[:size])
        for m in range(size):
            assert REF.path(m, size) == merkle_ref.path(m, D[:size])
        for m in range(1, size + 1):
            assert REF.proof(m, size) == merkle_ref.proof(m, D[:size])


def test_ephemeral_node_example() -> None:
    # Leaf 0 of 7: siblings (0,1), (1,1), then the right edge [4, 7) = (1,2) + (0,6),
    # hashed into the ephemeral node (2,1).
    nodes = inclusion_nodes(0, 7)
    assert nodes.ids == (NodeID(0, 1), NodeID(1, 1), NodeID(0, 6), NodeID(1, 2))
    assert (nodes.begin, nodes.end, nodes.ephem) == (2, 4, NodeID(2, 1))
    assert len(nodes.rehash([b"a" * 32] * 4)) == 3


def test_no_ephemeral_node_in_a_perfect_tree() -> None:
    nodes = inclusion_nodes(5, 8)
    assert nodes.ids == (NodeID(0, 4), NodeID(1, 3), NodeID(2, 0))
    assert nodes.begin == nodes.end == 0


def test_consistency_from_a_perfect_tree_skips_its_root() -> None:
    assert consistency_nodes(4, 8).ids == (NodeID(2, 1),)
    assert consistency_nodes(3, 4).ids == (NodeID(0, 2), NodeID(0, 3), NodeID(1, 0))


@pytest.mark.parametrize(("size1", "size2"), [(0, 0), (0, 9), (9, 9)])
def test_consistency_nodes_empty(size1: int, size2: int) -> None:
    assert consistency_nodes(size1, size2).rehash([]) == []


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: inclusion_nodes(3, 3), "leaf index 3 is outside", id="index-eq-size"),
        pytest.param(lambda: inclusion_nodes(-1, 3), "leaf index -1", id="negative-index"),
        pytest.param(lambda: consistency_nodes(4, 3), "size1=4 size2=3", id="size1-gt-size2"),
        pytest.param(
            lambda: inclusion_nodes(0, 3).rehash([]), "expected 2 node hashes", id="rehash"
        ),
    ],
)
def test_bad_arguments(call: object, match: str) -> None:
    with pytest.raises(FormatError, match=match):
        call()  # type: ignore[operator]


def test_range_nodes_is_the_compact_range() -> None:
    assert range_nodes(0, 0) == []
    assert range_nodes(0, 13) == [NodeID(3, 0), NodeID(2, 2), NodeID(0, 12)]
    assert range_nodes(16, 19) == [NodeID(1, 8), NodeID(0, 18)]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 2**48), st.data())
def test_node_counts_match_proof_lengths_for_huge_trees(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1), label="index")
    nodes = inclusion_nodes(index, size)
    check_shape(nodes, size)
    ephem_extra = max(nodes.end - nodes.begin - 1, 0)
    assert len(nodes.ids) - ephem_extra == inclusion_proof_length(index, size)
    size1 = data.draw(st.integers(1, size), label="size1")
    cnodes = consistency_nodes(size1, size)
    check_shape(cnodes, size)
    ephem_extra = max(cnodes.end - cnodes.begin - 1, 0)
    assert len(cnodes.ids) - ephem_extra == consistency_proof_length(size1, size)
