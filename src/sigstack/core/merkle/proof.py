"""Verification of Merkle inclusion and consistency proofs (RFC 9162 §2.1.3–§2.1.4).

Both verifiers raise :class:`~sigstack.errors.ProofError` and never return
``False``. Every failure message says what was expected and what was found.
The step numbers in the comments follow RFC 9162 §2.1.3.2 and §2.1.4.2 (and
transparency-log.md §4.3–§4.4).

A proof of the wrong length is rejected before any hashing, as
transparency-dev/merkle, sigstore-python and sigstore-js do.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigstack.core.merkle.rfc6962 import HASH_SIZE, node_hash
from sigstack.errors import ProofError

__all__ = [
    "consistency_proof_length",
    "inclusion_proof_length",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the inclusion proof of leaf ``index`` in a tree of ``size``.

    ``inner + border`` where ``inner = bitlen(index XOR (size - 1))`` counts the
    siblings below the point where the paths to ``index`` and to the last leaf
    split, and ``border = popcount(index >> inner)`` the left subtrees above it
    (transparency-log.md §4.2; transparency-dev/merkle ``decompInclProof``).
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}", field="index")
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in the consistency proof from ``size1`` to ``size2``.

    0 when ``size1`` is 0 or equal to ``size2``. Otherwise the RFC 9162
    algorithm shifts both sizes down by the trailing zero bits of ``size1`` and
    then walks an inclusion path, plus one seed hash unless ``size1`` is a power
    of two (the seed is then the old root itself).
    """
    if not 0 <= size1 <= size2:
        raise ProofError(f"expected 0 <= size1 <= size2, found {size1} and {size2}", field="size1")
    if size1 in (0, size2):
        return 0
    shift = (size1 & -size1).bit_length() - 1
    seed = 0 if size1 & (size1 - 1) == 0 else 1
    return seed + inclusion_proof_length((size1 - 1) >> shift, ((size2 - 1) >> shift) + 1)


def _check_hash(value: bytes, field: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"expected a {HASH_SIZE}-byte hash, found {len(value)} bytes", field=field)


def _check_proof(proof: Sequence[bytes], expected_length: int) -> None:
    if len(proof) != expected_length:
        raise ProofError(
            f"wrong proof length: expected {expected_length} hashes, found {len(proof)}",
            field="proof",
        )
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2)."""
    # 1. If leaf_index >= tree_size, fail.
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}", field="index")
    _check_hash(leaf_hash, "leaf_hash")
    _check_proof(proof, inclusion_proof_length(index, size))
    # 2. fn = leaf_index, sn = tree_size - 1, r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # 3. For each value p in the inclusion_path array:
    for p in proof:
        # a. If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            raise ProofError("proof has more hashes than the path to the root", field="proof")
        if fn & 1 or fn == sn:
            # b. p is a left sibling: r = HASH(0x01 || p || r); if fn was the
            #    right edge (even), climb until fn is a right child or 0.
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            # c. Otherwise p is a right sibling: r = HASH(0x01 || r || p).
            r = node_hash(r, p)
        # d. Right-shift both fn and sn by one.
        fn >>= 1
        sn >>= 1
    # 4. Compare sn to 0 (the caller compares r to the expected root).
    if sn != 0:
        raise ProofError("proof ends below the root of the tree", field="proof")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Raises :class:`ProofError` on any failure (RFC 9162 §2.1.3.2).
    """
    _check_hash(root, "root")
    computed = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if computed != root:
        raise ProofError(
            f"inclusion proof leads to root {computed.hex()}, expected {root.hex()}",
            field="root",
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the one of ``size1`` with ``root1``.

    Follows RFC 9162 §2.1.4.2; raises :class:`ProofError` on any failure.

    Edge cases (our choices, documented here):

    * ``size1 > size2`` or a negative size fails.
    * ``size1 == size2``: the proof must be empty and the roots equal.
    * ``size1 == 0``: every tree extends the empty tree, so only an empty proof
      is accepted, whatever ``root2`` is; ``root1`` must be the empty root's
      length (32 bytes) but is otherwise not compared. RFC 9162 calls such a
      proof meaningless; accepting the empty one lets a client that starts from
      nothing trust-on-first-use its first checkpoint.
    """
    if not 0 <= size1 <= size2:
        raise ProofError(
            f"expected 0 <= size1 <= size2, found size1={size1} size2={size2}", field="size1"
        )
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    _check_proof(proof, consistency_proof_length(size1, size2))
    # 1. If first == second: accept iff the hashes are equal (proof is empty).
    if size1 == size2:
        if root1 != root2:
            raise ProofError(
                f"same tree size {size1} but root {root2.hex()}, expected {root1.hex()}",
                field="root2",
            )
        return
    if size1 == 0:
        return
    # 2. If first is an exact power of two, prepend first_hash to the proof.
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3. fn = first - 1, sn = second - 1; while fn is odd, shift both right.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 4. fr = sr = c[0].
    fr = sr = path[0]
    # 5. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            raise ProofError("proof has more hashes than the path to the root", field="proof")
        if fn & 1 or fn == sn:
            # b. c is a left sibling of both paths; climb past a right edge.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            # c. c is a right sibling, present only in the second tree.
            sr = node_hash(sr, c)
        # d. Right-shift both fn and sn by one.
        fn >>= 1
        sn >>= 1
    # 6. Verify fr == first_hash, sr == second_hash and sn == 0.
    if sn != 0:
        raise ProofError("proof ends below the root of the second tree", field="proof")
    if fr != root1:
        raise ProofError(
            f"consistency proof leads to first root {fr.hex()}, expected {root1.hex()}",
            field="root1",
        )
    if sr != root2:
        raise ProofError(
            f"consistency proof leads to second root {sr.hex()}, expected {root2.hex()}",
            field="root2",
        )
