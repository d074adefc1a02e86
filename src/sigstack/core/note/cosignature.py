"""Timestamped Ed25519 witness cosignatures, c2sp.org/tlog-cosignature (signature type 0x04).

A cosignature is a note signature on a checkpoint (transparency-log.md §3.4):

* key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 key);
* signature = ``timestamped_signature``: u64 big-endian POSIX seconds ‖ 64-byte Ed25519 signature
  (so a signature line decodes to 4 + 8 + 64 = 76 bytes);
* signed message = ``"cosignature/v1\\ntime <ts>\\n"`` ‖ the whole checkpoint body, extension
  lines included (tlog-cosignature "Ed25519 signed message").

The timestamp is an argument: this package never reads the clock.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from sigstack.core.note._base import SIG_TYPE_COSIGNATURE_V1, check_key_name, raw_ed25519
from sigstack.errors import FormatError, SignatureError

__all__ = [
    "CosignatureV1Signer",
    "CosignatureV1Verifier",
    "cosignature_message",
    "cosignature_timestamp",
    "cosignature_v1_key_id",
]

_SIGNATURE_SIZE = 8 + 64
_MAX_TIMESTAMP = 2**63 - 1


def cosignature_v1_key_id(name: str, raw_public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte key): tlog-cosignature "Format"."""
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([SIG_TYPE_COSIGNATURE_V1]) + raw_public_key
    ).digest()


def _check_timestamp(timestamp: int) -> int:
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise FormatError(
            f"expected a cosignature timestamp between 0 and 2^63-1; found {timestamp}",
            field="timestamp",
        )
    return timestamp


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """The bytes a v1 cosigner signs: header line, time line, then the checkpoint body."""
    return b"cosignature/v1\ntime %d\n" % _check_timestamp(timestamp) + text


def cosignature_timestamp(signature: bytes) -> int:
    """POSIX timestamp of a ``timestamped_signature`` (the bytes after the 4-byte hint)."""
    if len(signature) != _SIGNATURE_SIZE:
        raise FormatError(
            f"expected a {_SIGNATURE_SIZE}-byte timestamped Ed25519 cosignature; "
            f"found {len(signature)} bytes",
            field="signature",
        )
    return _check_timestamp(int.from_bytes(signature[:8], "big"))


class CosignatureV1Signer:
    """Cosigns checkpoint text as a witness would, at a timestamp chosen by the caller."""

    def __init__(
        self, name: str, private_key: ed25519.Ed25519PrivateKey, *, timestamp: int
    ) -> None:
        check_key_name(name)
        self._name = name
        self._key = private_key
        self._key_id = cosignature_v1_key_id(name, raw_ed25519(private_key.public_key()))
        self._timestamp = _check_timestamp(timestamp)

    @property
    def name(self) -> str:
        """Cosigner name on the signature line."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """Full 32-byte key ID (type 0x04)."""
        return self._key_id

    @property
    def timestamp(self) -> int:
        """POSIX seconds written into every cosignature this signer makes."""
        return self._timestamp

    def sign(self, message: bytes) -> bytes:
        """``u64 timestamp ‖ Ed25519(cosignature_message(message, timestamp))``."""
        signed = cosignature_message(message, self._timestamp)
        return self._timestamp.to_bytes(8, "big") + self._key.sign(signed)


class CosignatureV1Verifier:
    """Verifies timestamped Ed25519 cosignatures (type 0x04) from one witness key."""

    def __init__(self, name: str, public_key: ed25519.Ed25519PublicKey) -> None:
        check_key_name(name)
        self._name = name
        self._key = public_key
        self._key_id = cosignature_v1_key_id(name, raw_ed25519(public_key))

    @property
    def name(self) -> str:
        """Cosigner name expected on the signature line."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """Full 32-byte key ID (type 0x04)."""
        return self._key_id

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is a valid cosignature.

        Future timestamps are not refused here (core has no clock); read them with
        :func:`cosignature_timestamp` and compare with ``now`` at the edge.
        """
        if len(signature) != _SIGNATURE_SIZE:
            raise SignatureError(
                f"expected a {_SIGNATURE_SIZE}-byte timestamped cosignature from {self._name}; "
                f"found {len(signature)} bytes"
            )
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            raise SignatureError(
                f"expected a cosignature timestamp below 2^63 from {self._name}; found {timestamp}"
            )
        try:
            self._key.verify(signature[8:], cosignature_message(message, timestamp))
        except InvalidSignature:
            raise SignatureError(
                f"expected a valid cosignature/v1 from {self._name}; found one that does not "
                f"verify over the checkpoint at time {timestamp}"
            ) from None

    def __repr__(self) -> str:
        return f"CosignatureV1Verifier({self._name!r}, key_id={self._key_id[:4].hex()}…)"
