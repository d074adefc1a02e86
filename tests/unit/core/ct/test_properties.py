"""Properties of the TLS encodings: round trips, and no input crashes a parser with anything
other than FormatError (hypothesis)."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from sigstack.core.ct.leaf import (
    merkle_tree_leaf_precert,
    merkle_tree_leaf_x509,
    parse_merkle_tree_leaf,
)
from sigstack.core.ct.sct import SignedCertificateTimestamp, decode_sct_list, encode_sct_list
from sigstack.errors import FormatError

u8 = st.integers(0, 255)
scts = st.builds(
    SignedCertificateTimestamp,
    version=st.just(0),
    log_id=st.binary(min_size=32, max_size=32),
    timestamp=st.integers(0, 2**64 - 1),
    extensions=st.binary(max_size=64),
    hash_algorithm=u8,
    signature_algorithm=u8,
    signature=st.binary(max_size=128),
)


@given(scts)
def test_sct_round_trip(sct: SignedCertificateTimestamp) -> None:
    assert SignedCertificateTimestamp.from_bytes(sct.to_bytes()) == sct
    assert SignedCertificateTimestamp.from_json(sct.to_json()) == sct


@given(st.lists(scts, max_size=4))
def test_sct_list_round_trip(items: list[SignedCertificateTimestamp]) -> None:
    assert decode_sct_list(encode_sct_list(items)) == items


@given(
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.binary(min_size=1, max_size=300),
    st.binary(max_size=20),
)
def test_leaf_round_trip(ts: int, key_hash: bytes, body: bytes, ext: bytes) -> None:
    pre = parse_merkle_tree_leaf(
        merkle_tree_leaf_precert(
            timestamp=ts, issuer_key_hash=key_hash, tbs_certificate=body, extensions=ext
        )
    )
    assert (pre.timestamp, pre.issuer_key_hash, pre.certificate, pre.extensions) == (
        ts,
        key_hash,
        body,
        ext,
    )
    x = parse_merkle_tree_leaf(merkle_tree_leaf_x509(timestamp=ts, certificate_der=body))
    assert (x.timestamp, x.certificate, x.issuer_key_hash) == (ts, body, b"")


@given(st.binary(max_size=200))
def test_parsers_raise_only_format_error(data: bytes) -> None:
    for parse in (SignedCertificateTimestamp.from_bytes, decode_sct_list, parse_merkle_tree_leaf):
        with contextlib.suppress(FormatError):
            parse(data)
