"""Proof Key for Code Exchange, client side (RFC 7636 §4.1–4.2), S256 only.

The client makes a ``code_verifier`` from fresh randomness (given here as a
parameter: the core draws none), sends ``BASE64URL(SHA256(verifier))`` as the
``code_challenge`` with the authorization request, and the verifier itself
with the token request (sigstore-clients.md §8.1, ca-tsa-oidc-tuf.md §9.6).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

__all__ = ["Pkce", "code_challenge", "code_verifier"]

# RFC 7636 §7.1: 32 octets give 256 bits of entropy; §4.1 caps the verifier at 128 characters,
# which is 96 octets once base64url-encoded.
_MIN_ENTROPY = 32
_MAX_ENTROPY = 96


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def code_verifier(entropy: bytes) -> str:
    """A ``code_verifier`` of 43–128 unreserved characters from 32–96 random octets (§4.1)."""
    if not _MIN_ENTROPY <= len(entropy) <= _MAX_ENTROPY:
        raise ValueError(
            f"a PKCE code_verifier needs {_MIN_ENTROPY} to {_MAX_ENTROPY} random octets "
            f"(RFC 7636 §4.1, §7.1), found {len(entropy)}"
        )
    return _b64url(entropy)


def code_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))``, unpadded (RFC 7636 §4.2, method S256)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class Pkce:
    """A verifier and its S256 challenge, made together so they cannot be mismatched."""

    verifier: str
    challenge: str
    method: str = "S256"

    @classmethod
    def from_entropy(cls, entropy: bytes) -> Pkce:
        """The pair for ``entropy`` (32 to 96 random octets)."""
        verifier = code_verifier(entropy)
        return cls(verifier, code_challenge(verifier))
