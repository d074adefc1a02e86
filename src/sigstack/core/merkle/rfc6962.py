"""RFC 6962 §2.1 Merkle tree hashing with SHA-256 (also RFC 9162 §2.1.1).

* ``MTH({}) = SHA-256("")`` — :data:`EMPTY_ROOT`
* ``MTH({d}) = SHA-256(0x00 ‖ d)`` — :func:`leaf_hash`
* interior node ``SHA-256(0x01 ‖ left ‖ right)`` — :func:`node_hash`

The domain-separation prefixes keep a leaf from ever being mistaken for an
interior node (second-preimage resistance). See transparency-log.md §4.1.

>>> leaf_hash(b"").hex()[:16]
'6e340b9cffb37a98'
"""

from __future__ import annotations

import hashlib

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "leaf_hash", "node_hash"]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

#: Root hash of the empty tree, ``SHA-256("")`` (RFC 6962 §2.1).
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash of a leaf holding ``data``: ``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: ``SHA-256(0x01 ‖ left ‖ right)``.

    The inputs are not length-checked (this is the hot path); callers that take
    hashes from outside check them once at the boundary.
    """
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()
