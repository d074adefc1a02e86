"""Signed tree heads of RFC 6962 §3.5 and the ``get-sth`` signature.

::

    TreeHeadSignature := version = v1 (1) ‖ signature_type = tree_hash (1)
                         ‖ timestamp (u64, ms) ‖ tree_size (u64) ‖ sha256_root_hash (32)

``tree_head_signature`` in the ``get-sth`` response (§4.3) is the TLS
``digitally-signed`` struct over these bytes.
"""

from __future__ import annotations

from sigstack.core.ct.encoding import Reader, u8, u64
from sigstack.core.ct.signing import (
    decode_digitally_signed,
    digitally_sign,
    encode_digitally_signed,
    verify_digitally_signed,
)
from sigstack.errors import FormatError

__all__ = ["sign_tree_head", "tree_head_signed_data", "verify_tree_head"]

_V1 = 0
_TREE_HASH = 1


def tree_head_signed_data(*, timestamp: int, tree_size: int, root_hash: bytes) -> bytes:
    """The ``TreeHeadSignature`` input (§3.5)."""
    if len(root_hash) != 32:
        raise FormatError(f"root hash must be 32 bytes, got {len(root_hash)}")
    return u8(_V1) + u8(_TREE_HASH) + u64(timestamp) + u64(tree_size) + root_hash


def sign_tree_head(
    private_key: object, *, timestamp: int, tree_size: int, root_hash: bytes
) -> bytes:
    """The TLS-encoded ``digitally-signed`` tree head signature."""
    data = tree_head_signed_data(timestamp=timestamp, tree_size=tree_size, root_hash=root_hash)
    return encode_digitally_signed(*digitally_sign(private_key, data))


def verify_tree_head(
    tree_head_signature: bytes,
    public_key: object,
    *,
    timestamp: int,
    tree_size: int,
    root_hash: bytes,
) -> None:
    """Check a ``get-sth`` signature; SignatureError (or FormatError) saying why not."""
    reader = Reader(tree_head_signature, "tree head signature")
    hash_alg, sig_alg, sig = decode_digitally_signed(reader)
    reader.done()
    data = tree_head_signed_data(timestamp=timestamp, tree_size=tree_size, root_hash=root_hash)
    verify_digitally_signed(public_key, hash_alg, sig_alg, sig, data, what="tree head")
