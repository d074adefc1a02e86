"""Inclusion and consistency verification (RFC 9162 §2.1.3.2, §2.1.4.2).

Every (index, size) and (size1, size2) up to 64 leaves is checked against the
naive RFC 6962 reference, with mutations that must be rejected; hypothesis
covers trees of a few thousand leaves.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reference import merkle_ref

from sigstack.core.merkle.proof import (
    consistency_proof_length,
    inclusion_proof_length,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, leaf_hash
from sigstack.errors import ProofError

from .vectors import entries

N = 64
D = entries(N)
LEAVES = [leaf_hash(d) for d in D]
ROOTS = [merkle_ref.mth(D[:n]) for n in range(N + 1)]

BIG = merkle_ref.MemoTree(entries(3000))


def flip(h: bytes, at: int = 0) -> bytes:
    return h[:at] + bytes([h[at] ^ 0x01]) + h[at + 1 :]


def length_msg(expected: int, found: int) -> str:
    return f"wrong proof length: expected {expected} hashes, found {found}"


def check_inclusion_mutations(index: int, size: int, proof: list[bytes], root: bytes) -> None:
    leaf = LEAVES[index]
    for i in range(len(proof)):
        bad = [*proof[:i], flip(proof[i], i % 32), *proof[i + 1 :]]
        with pytest.raises(ProofError, match="inclusion proof leads to root"):
            verify_inclusion(index, size, leaf, bad, root)
        with pytest.raises(ProofError, match="expected a 32-byte hash, found 31 bytes"):
            verify_inclusion(index, size, leaf, [*proof[:i], proof[i][:31], *proof[i + 1 :]], root)
    with pytest.raises(ProofError, match=f"leads to root .*, expected {flip(root).hex()}"):
        verify_inclusion(index, size, leaf, proof, flip(root))
    with pytest.raises(ProofError, match="inclusion proof leads to root"):
        verify_inclusion(index, size, flip(leaf, 31), proof, root)
    with pytest.raises(ProofError, match=length_msg(len(proof), len(proof) + 1)):
        verify_inclusion(index, size, leaf, [*proof, leaf], root)
    if proof:
        with pytest.raises(ProofError, match=length_msg(len(proof), len(proof) - 1)):
            verify_inclusion(index, size, leaf, proof[:-1], root)
    for wrong in (index - 1, index + 1):
        if 0 <= wrong < size:
            want = inclusion_proof_length(wrong, size)
            msg = "inclusion proof leads to root" if want == len(proof) else "wrong proof length"
            with pytest.raises(ProofError, match=msg):
                verify_inclusion(wrong, size, leaf, proof, root)
    with pytest.raises(ProofError, match=f"leaf index {size} is outside a tree of size {size}"):
        verify_inclusion(size, size, leaf, proof, root)
    with pytest.raises(
        ProofError, match=length_msg(inclusion_proof_length(index, 2 * size), len(proof))
    ):
        verify_inclusion(index, 2 * size, leaf, proof, root)
    for other in (size - 1, size + 1):  # another size, with that tree's own root
        if index < other <= N:
            with pytest.raises(ProofError):
                verify_inclusion(index, other, leaf, proof, ROOTS[other])


@pytest.mark.parametrize("size", range(1, N + 1))
def test_inclusion_every_index(size: int) -> None:
    for index in range(size):
        proof = merkle_ref.path(index, D[:size])
        assert inclusion_proof_length(index, size) == len(proof)
        assert root_from_inclusion_proof(index, size, LEAVES[index], proof) == ROOTS[size]
        verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])
        check_inclusion_mutations(index, size, proof, ROOTS[size])


def check_consistency_mutations(m: int, n: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[m], ROOTS[n]
    either = "consistency proof leads to (first|second) root"
    for i in range(len(proof)):
        bad = [*proof[:i], flip(proof[i], 7), *proof[i + 1 :]]
        with pytest.raises(ProofError, match=either):
            verify_consistency(m, n, r1, r2, bad)
    with pytest.raises(ProofError, match=either):
        verify_consistency(m, n, flip(r1), r2, proof)
    with pytest.raises(ProofError, match=f"leads to second root .*, expected {flip(r2).hex()}"):
        verify_consistency(m, n, r1, flip(r2), proof)
    with pytest.raises(ProofError, match=length_msg(len(proof), len(proof) + 1)):
        verify_consistency(m, n, r1, r2, [*proof, r1])
    with pytest.raises(ProofError, match=length_msg(len(proof), len(proof) - 1)):
        verify_consistency(m, n, r1, r2, proof[:-1])
    with pytest.raises(ProofError, match=f"found size1={n} size2={m}"):
        verify_consistency(n, m, r2, r1, proof)
    for m2, n2 in ((m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m, 2 * n)):
        if 0 < m2 < n2 <= N and (m2, n2) != (m, n):
            with pytest.raises(ProofError):
                verify_consistency(m2, n2, ROOTS[m2], ROOTS[n2], proof)
        # (The same roots claimed at other sizes may pass: see test_the_root_binds_the_size.)


@pytest.mark.parametrize("size2", range(1, N + 1))
def test_consistency_every_pair(size2: int) -> None:
    for size1 in range(1, size2 + 1):
        proof = merkle_ref.proof(size1, D[:size2])
        assert consistency_proof_length(size1, size2) == len(proof)
        verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
        if size1 < size2:
            check_consistency_mutations(size1, size2, proof)


def test_consistency_same_size_needs_equal_roots_and_empty_proof() -> None:
    verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    with pytest.raises(ProofError, match="same tree size 5 but root"):
        verify_consistency(5, 5, ROOTS[5], ROOTS[4], [])
    with pytest.raises(ProofError, match=length_msg(0, 1)):
        verify_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[5]])


def test_consistency_from_empty_tree_accepts_only_an_empty_proof() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    for n in (1, 7, 64):
        verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], [])
        with pytest.raises(ProofError, match=length_msg(0, 1)):
            verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], [ROOTS[n]])


@pytest.mark.parametrize(
    ("size1", "size2", "match"),
    [
        pytest.param(4, 3, "found size1=4 size2=3", id="size1-greater-than-size2"),
        pytest.param(-1, 3, "found size1=-1", id="negative-size1"),
    ],
)
def test_consistency_bad_sizes(size1: int, size2: int, match: str) -> None:
    with pytest.raises(ProofError, match=match):
        verify_consistency(size1, size2, ROOTS[1], ROOTS[3], [])


def test_short_roots_are_rejected() -> None:
    with pytest.raises(ProofError, match="found 31 bytes") as exc:
        verify_inclusion(0, 1, LEAVES[0], [], ROOTS[1][:31])
    assert exc.value.field == "root"
    with pytest.raises(ProofError, match="found 0 bytes"):
        verify_inclusion(0, 1, b"", [], ROOTS[1])
    with pytest.raises(ProofError, match="found 33 bytes"):
        verify_consistency(1, 2, ROOTS[1] + b"\x00", ROOTS[2], [LEAVES[1]])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (-1, 5), (5, 5), (6, 5)])
def test_inclusion_index_out_of_range(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="is outside a tree of size"):
        verify_inclusion(index, size, LEAVES[0], [], ROOTS[1])
    with pytest.raises(ProofError, match="is outside a tree of size"):
        inclusion_proof_length(index, size)


def test_the_root_binds_the_size() -> None:
    """RFC 9162's inclusion check alone does not pin the size: a size-3 proof also
    "verifies" as size 4 against the size-3 root. The signed checkpoint binds
    (size, root) together, which is why verifiers must take both from it."""
    proof = merkle_ref.path(0, D[:3])
    verify_inclusion(0, 4, LEAVES[0], proof, ROOTS[3])
    with pytest.raises(ProofError):
        verify_inclusion(0, 4, LEAVES[0], proof, ROOTS[4])
    consistency = merkle_ref.proof(1, D[:3])
    verify_consistency(1, 4, ROOTS[1], ROOTS[3], consistency)
    with pytest.raises(ProofError):
        verify_consistency(1, 4, ROOTS[1], ROOTS[4], consistency)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_inclusion_random_large_trees(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(BIG.entries)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    entries_ = BIG.entries[:size]
    proof = merkle_ref.path(index, entries_)
    root = BIG.root(size)
    leaf = leaf_hash(entries_[index])
    assert inclusion_proof_length(index, size) == len(proof)
    verify_inclusion(index, size, leaf, proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        with pytest.raises(ProofError, match="inclusion proof leads to root"):
            verify_inclusion(
                index, size, leaf, [*proof[:at], flip(proof[at]), *proof[at + 1 :]], root
            )
    with pytest.raises(ProofError, match="wrong proof length"):
        verify_inclusion(index, size, leaf, [*proof, root], root)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_consistency_random_large_trees(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(2, len(BIG.entries)), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    proof = merkle_ref.proof(size1, BIG.entries[:size2])
    r1, r2 = BIG.root(size1), BIG.root(size2)
    assert consistency_proof_length(size1, size2) == len(proof)
    verify_consistency(size1, size2, r1, r2, proof)
    at = data.draw(st.integers(0, len(proof) - 1), label="at")
    with pytest.raises(ProofError, match="consistency proof leads to"):
        verify_consistency(size1, size2, r1, r2, [*proof[:at], flip(proof[at]), *proof[at + 1 :]])
    with pytest.raises(ProofError, match="wrong proof length"):
        verify_consistency(size1, size2, r1, r2, proof[:-1])
