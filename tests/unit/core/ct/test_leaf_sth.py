"""MerkleTreeLeaf (RFC 6962 §3.4) and tree head signatures (§3.5)."""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.ct.leaf import (
    ENTRY_TYPE_PRECERT,
    ENTRY_TYPE_X509,
    merkle_tree_leaf_precert,
    merkle_tree_leaf_x509,
    parse_merkle_tree_leaf,
)
from sigstack.core.ct.sct import precert_signed_data
from sigstack.core.ct.sth import sign_tree_head, tree_head_signed_data, verify_tree_head
from sigstack.errors import FormatError, SignatureError

KEY = ec.generate_private_key(ec.SECP256R1())
TS = 1_700_000_000_000
KEY_HASH = hashlib.sha256(b"k").digest()
ROOT = hashlib.sha256(b"root").digest()


def test_precert_leaf_layout() -> None:
    leaf = merkle_tree_leaf_precert(timestamp=TS, issuer_key_hash=KEY_HASH, tbs_certificate=b"T")
    assert leaf == struct.pack(">BBQH", 0, 0, TS, 1) + KEY_HASH + b"\0\0\x01T" + b"\0\0"
    parsed = parse_merkle_tree_leaf(leaf)
    assert (parsed.timestamp, parsed.entry_type) == (TS, ENTRY_TYPE_PRECERT)
    assert (parsed.issuer_key_hash, parsed.certificate, parsed.extensions) == (KEY_HASH, b"T", b"")


def test_leaf_and_sct_commit_to_the_same_entry() -> None:
    leaf = merkle_tree_leaf_precert(timestamp=TS, issuer_key_hash=KEY_HASH, tbs_certificate=b"T")
    signed = precert_signed_data(timestamp=TS, issuer_key_hash=KEY_HASH, tbs_certificate=b"T")
    assert leaf[2:] == signed[2:]  # both: timestamp ‖ entry_type ‖ signed_entry ‖ extensions


def test_x509_leaf_round_trip() -> None:
    leaf = merkle_tree_leaf_x509(timestamp=TS, certificate_der=b"CERT", extensions=b"e")
    assert leaf == struct.pack(">BBQH", 0, 0, TS, 0) + b"\0\0\x04CERT\0\x01e"
    parsed = parse_merkle_tree_leaf(leaf)
    assert (parsed.entry_type, parsed.certificate, parsed.extensions) == (
        ENTRY_TYPE_X509,
        b"CERT",
        b"e",
    )


def test_parse_refuses_unknown_entry_type_and_trailing_bytes() -> None:
    leaf = merkle_tree_leaf_x509(timestamp=TS, certificate_der=b"CERT")
    with pytest.raises(FormatError, match="unknown entry_type 2"):
        parse_merkle_tree_leaf(leaf[:10] + b"\x00\x02" + leaf[12:])
    with pytest.raises(FormatError, match="trailing"):
        parse_merkle_tree_leaf(leaf + b"\0")
    with pytest.raises(FormatError, match="not v1"):
        parse_merkle_tree_leaf(b"\x01" + leaf[1:])


def test_empty_certificate_is_refused() -> None:
    with pytest.raises(FormatError, match="non-empty certificate"):
        merkle_tree_leaf_x509(timestamp=TS, certificate_der=b"")


def test_tree_head_signed_data_layout() -> None:
    data = tree_head_signed_data(timestamp=TS, tree_size=7, root_hash=ROOT)
    assert data == struct.pack(">BBQQ", 0, 1, TS, 7) + ROOT


def test_tree_head_sign_and_verify() -> None:
    sig = sign_tree_head(KEY, timestamp=TS, tree_size=7, root_hash=ROOT)
    assert sig[:2] == b"\x04\x03"
    verify_tree_head(sig, KEY.public_key(), timestamp=TS, tree_size=7, root_hash=ROOT)


@pytest.mark.parametrize(
    ("field", "value"), [("timestamp", TS + 1), ("tree_size", 8), ("root_hash", bytes(32))]
)
def test_tree_head_refused_when_a_field_changes(field: str, value: object) -> None:
    sig = sign_tree_head(KEY, timestamp=TS, tree_size=7, root_hash=ROOT)
    args: dict[str, object] = {"timestamp": TS, "tree_size": 7, "root_hash": ROOT, field: value}
    with pytest.raises(SignatureError, match="tree head: signature does not verify"):
        verify_tree_head(sig, KEY.public_key(), **args)  # type: ignore[arg-type]


def test_tree_head_signature_with_trailing_bytes_is_refused() -> None:
    sig = sign_tree_head(KEY, timestamp=TS, tree_size=7, root_hash=ROOT)
    with pytest.raises(FormatError, match="trailing"):
        verify_tree_head(sig + b"\0", KEY.public_key(), timestamp=TS, tree_size=7, root_hash=ROOT)
