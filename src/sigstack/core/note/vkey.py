"""Verifier keys ("vkeys"): ``<name>+<hex key ID>+<base64(type ‖ public key)>``.

c2sp.org/signed-note "Verifier keys" (and golang.org/x/mod/sumdb/note). The 8 hex digits are
the 4-byte key ID, which is recomputed from the name and key and must match. Types accepted:

* ``0x01`` Ed25519 (32-byte key) → :class:`Ed25519NoteVerifier`;
* ``0x02`` ECDSA (DER SPKI; key ID = SHA-256(DER)[:4], as transparency-dev/witness writes them)
  → :class:`ECDSANoteVerifier` with SHA-256 whatever the curve, as that implementation does;
* ``0x04`` timestamped Ed25519 cosignature (32-byte key) → :class:`CosignatureV1Verifier`.
"""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_der_public_key

from sigstack.core.note._base import (
    HINT_SIZE,
    SIG_TYPE_COSIGNATURE_V1,
    SIG_TYPE_ECDSA,
    SIG_TYPE_ED25519,
    NoteVerifier,
    check_key_name,
    ecdsa_key_id,
    ed25519_key_id,
    raw_ed25519,
    strict_b64decode,
)
from sigstack.core.note.cosignature import CosignatureV1Verifier, cosignature_v1_key_id
from sigstack.core.note.keys import ECDSANoteVerifier, Ed25519NoteVerifier
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["cosignature_vkey", "verifier_from_vkey", "vkey"]

_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def _ed25519_key(raw: bytes) -> ed25519.Ed25519PublicKey:
    if len(raw) != 32:
        raise FormatError(
            f"expected a 32-byte Ed25519 key in the vkey; found {len(raw)} bytes", field="vkey"
        )
    try:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise FormatError(
            "expected a valid Ed25519 public key in the vkey; found 32 bytes that are not one",
            field="vkey",
        ) from None


def _ecdsa_key(der: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key = load_der_public_key(der)
    except ValueError:
        raise FormatError(
            "expected a DER SubjectPublicKeyInfo after type 0x02 in the vkey; found bytes that "
            "do not parse",
            field="vkey",
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise UnsupportedError(
            f"expected an ECDSA key after type 0x02 in the vkey; found {type(key).__name__}",
            field="vkey",
        )
    return key


def verifier_from_vkey(vkey: str) -> NoteVerifier:
    """Build the verifier a vkey describes, after checking its key ID matches the key.

    Raises :class:`FormatError` for a malformed vkey or a key ID that does not match, and
    :class:`UnsupportedError` for a signature type other than 0x01, 0x02 and 0x04.
    """
    parts = vkey.split("+", 2)  # the base64 may itself contain '+'
    if len(parts) != 3:
        raise FormatError(
            f"expected '<name>+<hex key ID>+<base64 key>'; found {len(parts)} '+'-separated "
            "part(s)",
            field="vkey",
        )
    name, hint_hex, key_b64 = parts
    check_key_name(name, field="vkey")
    if not _HEX8.fullmatch(hint_hex):
        raise FormatError(f"expected 8 hex digits of key ID; found {hint_hex!r}", field="vkey")
    data = strict_b64decode(key_b64, field="vkey")
    if len(data) < 2:
        raise FormatError(
            f"expected a type byte and a key after the key ID; found {len(data)} byte(s)",
            field="vkey",
        )
    sig_type, key = data[0], data[1:]
    verifier: NoteVerifier
    if sig_type == SIG_TYPE_ED25519:
        ed_key = _ed25519_key(key)
        verifier, key_id = Ed25519NoteVerifier(name, ed_key), ed25519_key_id(name, key)
    elif sig_type == SIG_TYPE_COSIGNATURE_V1:
        ed_key = _ed25519_key(key)
        verifier, key_id = CosignatureV1Verifier(name, ed_key), cosignature_v1_key_id(name, key)
    elif sig_type == SIG_TYPE_ECDSA:
        ec_key = _ecdsa_key(key)
        verifier = ECDSANoteVerifier(name, ec_key, hash_algorithm=hashes.SHA256())
        key_id = ecdsa_key_id(key)
    else:
        raise UnsupportedError(
            f"expected signature type 0x01 (Ed25519), 0x02 (ECDSA) or 0x04 (cosignature/v1); "
            f"found 0x{sig_type:02x}",
            field="vkey",
        )
    if key_id[:HINT_SIZE] != bytes.fromhex(hint_hex):
        raise FormatError(
            f"expected key ID {key_id[:HINT_SIZE].hex()} for {name!r} and this key; "
            f"found {hint_hex.lower()}",
            field="vkey",
        )
    return verifier


def _encode(name: str, key_id: bytes, sig_type: int, key: bytes) -> str:
    check_key_name(name)
    payload = base64.b64encode(bytes([sig_type]) + key).decode("ascii")
    return f"{name}+{key_id[:HINT_SIZE].hex()}+{payload}"


def vkey(name: str, public_key: ed25519.Ed25519PublicKey) -> str:
    """The Ed25519 (type 0x01) vkey of ``public_key`` under ``name``."""
    raw = raw_ed25519(public_key)
    return _encode(name, ed25519_key_id(name, raw), SIG_TYPE_ED25519, raw)


def cosignature_vkey(name: str, public_key: ed25519.Ed25519PublicKey) -> str:
    """The cosignature/v1 (type 0x04) vkey of a witness key (c2sp.org/tlog-cosignature)."""
    raw = raw_ed25519(public_key)
    return _encode(name, cosignature_v1_key_id(name, raw), SIG_TYPE_COSIGNATURE_V1, raw)
