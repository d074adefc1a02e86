"""RFC 6962 §2.1 hashing against transparency-dev/merkle test vectors and the reference."""

from __future__ import annotations

import hashlib

import pytest
from tests.reference import merkle_ref

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash

from .vectors import LEAF_INPUTS, NODE_HASHES, ROOT_HASHES


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == ROOT_HASHES[0]
    assert HASH_SIZE == len(EMPTY_ROOT) == 32


@pytest.mark.parametrize("i", range(8))
def test_leaf_hash_vectors(i: int) -> None:
    assert leaf_hash(LEAF_INPUTS[i]) == NODE_HASHES[0][i]


@pytest.mark.parametrize(
    ("level", "index"),
    [(lv, i) for lv in range(1, 4) for i in range(len(NODE_HASHES[lv]))],
)
def test_node_hash_vectors(level: int, index: int) -> None:
    below = NODE_HASHES[level - 1]
    assert node_hash(below[2 * index], below[2 * index + 1]) == NODE_HASHES[level][index]


def test_leaf_and_node_are_domain_separated() -> None:
    a, b = NODE_HASHES[0][0], NODE_HASHES[0][1]
    assert node_hash(a, b) != leaf_hash(a + b)
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


@pytest.mark.parametrize("size", range(9))
def test_all_nine_root_hashes(size: int) -> None:
    assert merkle_ref.mth(LEAF_INPUTS[:size]) == ROOT_HASHES[size]
    cr = CompactRange()
    for d in LEAF_INPUTS[:size]:
        cr.append(leaf_hash(d))
    assert cr.root() == ROOT_HASHES[size]
