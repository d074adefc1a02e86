"""The signer's RFC 3161 request: sigstore-python's shape, byte for byte (sigstore-clients.md §7.1)."""

from __future__ import annotations

import hashlib

import pytest
import rfc3161_client

from sigstack.core.tsp.request import parse_request
from sigstack.sign._tsq import timestamp_request


def test_same_bytes_as_rfc3161_clients_builder() -> None:
    # what sigstore-python sends: SHA-256 imprint of the signature, nonce, certReq (defaults)
    theirs = (
        rfc3161_client.TimestampRequestBuilder()
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .data(b"signature bytes")
        .build()
    )
    assert theirs.cert_req and theirs.nonce is not None
    assert timestamp_request(b"signature bytes", nonce=theirs.nonce) == theirs.as_bytes()


@pytest.mark.parametrize("nonce", [0, 1, 127, 128, 2**63 - 1, 2**63, 2**64 - 1])
def test_our_tsa_reads_it_back(nonce: int) -> None:
    request = parse_request(timestamp_request(b"sig", nonce=nonce))
    assert request.hash_algorithm == "sha256"
    assert request.hashed_message == hashlib.sha256(b"sig").digest()
    assert (request.nonce, request.cert_req, request.policy) == (nonce, True, None)


def test_a_fresh_random_nonce_each_time() -> None:
    nonces = {parse_request(timestamp_request(b"sig")).nonce for _ in range(8)}
    assert len(nonces) == 8
    with pytest.raises(ValueError, match="non-negative nonce"):
        timestamp_request(b"sig", nonce=-1)
