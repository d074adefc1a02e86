"""RFC 6962 Merkle trees for a tiled transparency log (C2SP tlog-tiles).

Pure: bytes and integers in, bytes and integers out (transparency-log.md §4).

* :mod:`.rfc6962` — leaf and node hashing, the empty root.
* :mod:`.proof` — verify inclusion and consistency proofs (they raise ``ProofError``).
* :mod:`.nodes` — which stored nodes a proof needs.
* :mod:`.compact` — compact ranges: append leaves, compute the root.
* :mod:`.tiles` — tile paths, partial widths, node → tile addressing.
* :mod:`.integrate` — append a batch of leaves: new range, root and changed tiles.
* :mod:`.proof_builder` — proofs and roots read from tiles.

>>> from sigstack.core.merkle import CompactRange, leaf_hash, verify_inclusion
>>> cr = CompactRange()
>>> cr.append(leaf_hash(b"hello"))
>>> verify_inclusion(0, 1, leaf_hash(b"hello"), [], cr.root())
"""

from sigstack.core.merkle.compact import CompactRange
from sigstack.core.merkle.integrate import IntegrationResult, integrate
from sigstack.core.merkle.nodes import NodeID, Nodes, consistency_nodes, inclusion_nodes
from sigstack.core.merkle.proof import (
    inclusion_proof_length,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from sigstack.core.merkle.proof_builder import (
    TileReader,
    build_consistency_proof,
    build_inclusion_proof,
    root_from_tiles,
)
from sigstack.core.merkle.rfc6962 import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from sigstack.core.merkle.tiles import TILE_WIDTH, entries_path, parse_tile_path, tile_path

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_WIDTH",
    "CompactRange",
    "IntegrationResult",
    "NodeID",
    "Nodes",
    "TileReader",
    "build_consistency_proof",
    "build_inclusion_proof",
    "consistency_nodes",
    "entries_path",
    "inclusion_nodes",
    "inclusion_proof_length",
    "integrate",
    "leaf_hash",
    "node_hash",
    "parse_tile_path",
    "root_from_inclusion_proof",
    "root_from_tiles",
    "tile_path",
    "verify_consistency",
    "verify_inclusion",
]
