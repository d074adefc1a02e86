"""Shared pieces of the note layer: key IDs, the signer/verifier protocols, syntax checks.

Key-ID rules (transparency-log.md §2.5, sigstore-clients.md §6.5, c2sp.org/signed-note
"Signatures"): the full 32-byte value is what Rekor v2 puts in ``logId.keyId`` and the trusted
root's ``checkpointKeyId``; a signature line carries only its first 4 bytes (the "key hint").
"""

from __future__ import annotations

import binascii
import hashlib
import re
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sigstack.errors import FormatError, UnsupportedError

__all__ = [
    "HINT_SIZE",
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ECDSA",
    "SIG_TYPE_ED25519",
    "NoteSigner",
    "NoteVerifier",
    "canonical_b64decode",
    "check_key_name",
    "ecdsa_key_id",
    "ed25519_key_id",
    "note_key_id",
    "plain_key_name",
    "rsa_key_id",
    "strict_b64decode",
]

#: Bytes of the key ID carried on a signature line (c2sp.org/signed-note "Format").
HINT_SIZE = 4
#: Signature type bytes (c2sp.org/signed-note "Signature types").
SIG_TYPE_ED25519 = 0x01
SIG_TYPE_ECDSA = 0x02
SIG_TYPE_COSIGNATURE_V1 = 0x04
_SIG_TYPE_OTHER = 0xFF
_RSA_ID = b"PKIX-RSA-PKCS#1v1.5"


def _shown(value: str, limit: int = 60) -> str:
    """``repr`` of ``value``, shortened for error messages."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"


_ASCII_BAD_NAME = re.compile(r"[\x00-\x20+]")


def plain_key_name(name: str) -> bool:
    """True for a non-empty ASCII key name without spaces, controls or '+' (the usual case);
    False means :func:`check_key_name` must decide (it may still accept a Unicode name)."""
    return bool(name) and name.isascii() and _ASCII_BAD_NAME.search(name) is None


def check_key_name(name: str, *, field: str = "name") -> None:
    """Raise :class:`FormatError` unless ``name`` is a valid key name.

    c2sp.org/signed-note "Format": non-empty, no Unicode spaces, no ``+``. We also refuse
    control characters and lone surrogates, which could never appear in a valid note.
    """
    if not name:
        raise FormatError("expected a non-empty key name; found an empty one", field=field)
    if name.isascii() and _ASCII_BAD_NAME.search(name) is None:
        return  # in ASCII, exactly U+0000..U+0020 and '+' fail the checks below
    for char in name:
        if char.isspace() or char == "+" or ord(char) < 0x20 or 0xD800 <= ord(char) < 0xE000:
            raise FormatError(
                "expected a key name without spaces, '+' or control characters; "
                f"found U+{ord(char):04X} in {_shown(name)}",
                field=field,
            )


def canonical_b64decode(text: str) -> bytes | None:
    """The bytes ``text`` is the canonical standard base64 (RFC 4648 §4) of, else ``None``.

    Decoding leniently and requiring the re-encoding to equal the input accepts exactly the
    canonical encodings: a skipped non-alphabet character, bad padding or a non-zero trailing
    bit breaks the equality.
    """
    try:
        data = text.encode("ascii")
        raw = binascii.a2b_base64(data)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return raw if binascii.b2a_base64(raw, newline=False) == data else None


def strict_b64decode(text: str, *, field: str) -> bytes:
    """Decode canonical standard base64 (RFC 4648 §4), as signed-note requires.

    Non-alphabet characters, bad padding and non-zero trailing bits are all refused, so that
    ``encode(decode(s)) == s`` for every accepted ``s``.
    """
    raw = canonical_b64decode(text)
    if raw is None:
        raise FormatError(
            f"expected standard base64 (RFC 4648 §4); found {_shown(text)}", field=field
        )
    return raw


def ed25519_key_id(name: str, raw_public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte key): c2sp.org/signed-note "Ed25519 signatures"."""
    if len(raw_public_key) != 32:
        raise FormatError(
            f"expected a 32-byte Ed25519 public key; found {len(raw_public_key)} bytes",
            field="public key",
        )
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([SIG_TYPE_ED25519]) + raw_public_key
    ).digest()


def ecdsa_key_id(spki_der: bytes) -> bytes:
    """SHA-256(DER SubjectPublicKeyInfo): signed-note type 0x02, Rekor v2 ECDSA logs.

    Rekor v1 uses this rule for *every* key type: its ``logID`` and checkpoint hint are
    SHA-256 of the SPKI DER whatever the algorithm (transparency-log.md §1.6).
    """
    return hashlib.sha256(spki_der).digest()


def rsa_key_id(name: str, spki_der: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0xFF ‖ "PKIX-RSA-PKCS#1v1.5" ‖ DER SPKI): rekor-tiles RSA logs.

    transparency-log.md §2.5; 0xFF is signed-note's "other" type followed by an identifier.
    """
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([_SIG_TYPE_OTHER]) + _RSA_ID + spki_der
    ).digest()


def spki_der(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of ``public_key``."""
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def raw_ed25519(public_key: ed25519.Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 encoding of ``public_key``."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def note_key_id(name: str, public_key: object) -> bytes:
    """Full 32-byte key ID of a log key, by key type, as rekor-tiles computes its ``logId``.

    Ed25519 → :func:`ed25519_key_id`, ECDSA → :func:`ecdsa_key_id`, RSA → :func:`rsa_key_id`
    (transparency-log.md §2.5). Not for Rekor v1, which uses :func:`ecdsa_key_id` for all keys.
    """
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ed25519_key_id(name, raw_ed25519(public_key))
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ecdsa_key_id(spki_der(public_key))
    if isinstance(public_key, rsa.RSAPublicKey):
        return rsa_key_id(name, spki_der(public_key))
    raise UnsupportedError(
        f"expected an Ed25519, ECDSA or RSA public key; found {type(public_key).__name__}",
        field="public key",
    )


def check_key_id(key_id: bytes) -> bytes:
    """Return ``key_id`` if it is long enough to give a 4-byte hint, else raise."""
    if len(key_id) < HINT_SIZE:
        raise FormatError(
            f"expected a key ID of at least {HINT_SIZE} bytes; found {len(key_id)}", field="key id"
        )
    return bytes(key_id)


@runtime_checkable
class NoteSigner(Protocol):
    """Something that signs note text under a key name (c2sp.org/signed-note "Signatures")."""

    @property
    def name(self) -> str:
        """Key name written on the signature line."""
        ...

    @property
    def key_id(self) -> bytes:
        """Full key ID (32 bytes for every built-in signer); the wire hint is ``key_id[:4]``."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Signature bytes over ``message`` (the note text, UTF-8), without the hint."""
        ...


@runtime_checkable
class NoteVerifier(Protocol):
    """A trusted key: verifies signature lines whose (name, hint) match it."""

    @property
    def name(self) -> str:
        """Key name expected on the signature line."""
        ...

    @property
    def key_id(self) -> bytes:
        """Full key ID; a line matches when its hint equals ``key_id[:4]``."""
        ...

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`~sigstack.errors.SignatureError` unless ``signature`` is valid."""
        ...
