"""Digests: image-spec ``descriptor.md`` §"Digests" grammar and registered algorithms."""

from __future__ import annotations

import pytest

from sigstack.core.oci import digest_of, parse_digest, verify_content
from sigstack.errors import FormatError, UnsupportedError, VerificationError

# image-spec manifest.md §"Guidance for an Empty Descriptor": the digest of "{}".
EMPTY_JSON = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
EMPTY_BYTES = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_known_vectors() -> None:
    assert str(digest_of(b"{}")) == EMPTY_JSON
    assert str(digest_of(b"")) == EMPTY_BYTES
    assert digest_of(b"", "sha512").encoded.startswith("cf83e1357eefb8bd")


def test_parse_round_trip_and_match() -> None:
    digest = parse_digest(EMPTY_JSON)
    assert (digest.algorithm, str(digest)) == ("sha256", EMPTY_JSON)
    assert digest.matches(b"{}")
    assert not digest.matches(b"{} ")
    assert parse_digest("sha512:" + "0" * 128).algorithm == "sha512"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sha256", "algorithm:encoded"),
        ("sha256:", "algorithm:encoded"),
        ("SHA256:" + "a" * 64, "algorithm:encoded"),
        ("sha256:" + "a" * 63, "64 lowercase hex"),
        ("sha256:" + "a" * 65, "64 lowercase hex"),
        ("sha256:" + "A" * 64, "64 lowercase hex"),
        ("sha256:" + "g" * 64, "64 lowercase hex"),
        ("sha512:" + "a" * 64, "128 lowercase hex"),
        (42, "algorithm:encoded"),
    ],
)
def test_malformed_digests(text: object, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        parse_digest(text)


def test_unregistered_algorithm_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="found algorithm 'blake3'"):
        parse_digest("blake3:" + "a" * 64)


def test_verify_content_names_both_digests() -> None:
    verify_content(b"{}", parse_digest(EMPTY_JSON), "blob")
    with pytest.raises(VerificationError) as refused:
        verify_content(b"", parse_digest(EMPTY_JSON), "blob x")
    message = str(refused.value)
    assert f"expected content with digest {EMPTY_JSON}" in message
    assert f"hash to {EMPTY_BYTES}" in message
    assert message.startswith("blob x: ")
