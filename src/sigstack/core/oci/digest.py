"""Content digests: ``algorithm ":" encoded`` (OCI image-spec v1.1 ``descriptor.md`` §"Digests").

Grammar::

    digest                ::= algorithm ":" encoded
    algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
    algorithm-component   ::= [a-z0-9]+
    algorithm-separator   ::= [+._-]
    encoded               ::= [a-zA-Z0-9=_-]+

Registered algorithms (§"Registered algorithms") pin the encoding further:
``sha256`` is exactly 64 and ``sha512`` exactly 128 lowercase hex digits. Only those two
are accepted: a digest we cannot recompute is a digest we cannot check, and content is
never trusted without checking it (distribution-spec §"Pulling manifests", §"Pulling blobs").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sigstack.errors import FormatError, UnsupportedError, VerificationError

__all__ = ["Digest", "digest_of", "parse_digest", "verify_content"]

_GRAMMAR = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_LOWER_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Digest:
    """A validated digest; ``str()`` gives the wire form ``sha256:<hex>``."""

    algorithm: str
    encoded: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"

    def matches(self, data: bytes) -> bool:
        """Whether ``data`` hashes to this digest."""
        return digest_of(data, self.algorithm) == self


def parse_digest(text: object, *, field: str = "digest") -> Digest:
    """Parse and validate ``text`` as a sha256 or sha512 digest (image-spec §"Digests")."""
    if not isinstance(text, str) or not _GRAMMAR.fullmatch(text):
        raise FormatError(
            f"expected a digest of the form algorithm:encoded (e.g. sha256:<64 hex>), "
            f"found {text!r}",
            field=field,
        )
    algorithm, encoded = text.split(":", 1)
    expected = _HEX_LENGTH.get(algorithm)
    if expected is None:
        raise UnsupportedError(
            f"expected a sha256 or sha512 digest, found algorithm {algorithm!r} in {text!r}",
            field=field,
        )
    if len(encoded) != expected or not _LOWER_HEX.fullmatch(encoded):
        raise FormatError(
            f"expected {expected} lowercase hex digits after {algorithm}:, "
            f"found {len(encoded)} characters in {text!r}",
            field=field,
        )
    return Digest(algorithm, encoded)


def digest_of(data: bytes, algorithm: str = "sha256") -> Digest:
    """The digest of ``data`` (sha256 by default, as registries compute it)."""
    if algorithm not in _HEX_LENGTH:
        raise UnsupportedError(f"expected sha256 or sha512, found {algorithm!r}")
    return Digest(algorithm, hashlib.new(algorithm, data).hexdigest())


def verify_content(data: bytes, expected: Digest, what: str) -> None:
    """Refuse ``data`` unless it hashes to ``expected``; the error names both digests.

    distribution-spec §"Pulling manifests": "the client MUST verify the value against the
    uploaded blob data"; §"Content Digests" of the Docker registry API: content fetched by
    digest is verified against that digest, not against a header.
    """
    actual = digest_of(data, expected.algorithm)
    if actual != expected:
        raise VerificationError(
            f"{what}: expected content with digest {expected}, "
            f"the {len(data)} bytes received hash to {actual}; refusing them"
        )
