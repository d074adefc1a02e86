"""Note signers and verifiers for Ed25519, ECDSA and RSA log keys.

* Ed25519 (c2sp.org/signed-note "Ed25519 signatures"): RFC 8032 over the note text; key ID
  :func:`ed25519_key_id`. Rekor v2 logs (sigstore-clients.md §6.5).
* ECDSA (signed-note type 0x02, Rekor v1 — transparency-log.md §1.6): ASN.1 DER signature over
  the hash of the note text; key ID :func:`ecdsa_key_id`. The hash is the curve's usual one —
  SHA-256 for P-256 (what Rekor v1 and every public Sigstore log use), SHA-384 for P-384,
  SHA-512 for P-521 — unless ``hash_algorithm`` says otherwise. transparency-dev/witness signs
  type 0x02 with SHA-256 on every curve: pass ``hashes.SHA256()`` to talk to it with P-384/521.
* RSA (rekor-tiles, transparency-log.md §2.5): PKCS#1 v1.5 with SHA-256; key ID
  :func:`rsa_key_id`.

Every class takes an optional ``key_id`` to override the default rule, e.g. a Rekor v1 log
with an Ed25519 key, whose hint is SHA-256(SPKI DER) like all v1 keys (transparency-log.md §1.6):
``Ed25519NoteVerifier(host, key, key_id=ecdsa_key_id(spki))``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from sigstack.core.note._base import (
    check_key_id,
    check_key_name,
    ecdsa_key_id,
    ed25519_key_id,
    raw_ed25519,
    rsa_key_id,
    spki_der,
)
from sigstack.errors import SignatureError, UnsupportedError

__all__ = [
    "ECDSANoteSigner",
    "ECDSANoteVerifier",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "RSANoteSigner",
    "RSANoteVerifier",
    "ecdsa_hash_for_curve",
]

_ED25519_SIGNATURE_SIZE = 64


def ecdsa_hash_for_curve(curve: ec.EllipticCurve) -> hashes.HashAlgorithm:
    """The usual hash for a NIST curve: P-256 → SHA-256, P-384 → SHA-384, P-521 → SHA-512."""
    if isinstance(curve, ec.SECP256R1):
        return hashes.SHA256()
    if isinstance(curve, ec.SECP384R1):
        return hashes.SHA384()
    if isinstance(curve, ec.SECP521R1):
        return hashes.SHA512()
    raise UnsupportedError(
        f"expected an ECDSA key on P-256, P-384 or P-521; found curve {curve.name}",
        field="public key",
    )


class _Named:
    """Name and full key ID, shared by every signer and verifier here."""

    def __init__(self, name: str, key_id: bytes) -> None:
        check_key_name(name)
        self._name = name
        self._key_id = check_key_id(key_id)

    @property
    def name(self) -> str:
        """Key name on the signature line."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """Full key ID; the wire hint is its first 4 bytes."""
        return self._key_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r}, key_id={self._key_id[:4].hex()}…)"


class Ed25519NoteSigner(_Named):
    """Signs note text with Ed25519 (c2sp.org/signed-note type 0x01)."""

    def __init__(
        self, name: str, private_key: ed25519.Ed25519PrivateKey, *, key_id: bytes | None = None
    ) -> None:
        public = raw_ed25519(private_key.public_key())
        super().__init__(name, ed25519_key_id(name, public) if key_id is None else key_id)
        self._key = private_key

    def sign(self, message: bytes) -> bytes:
        """64-byte RFC 8032 signature over ``message``."""
        return self._key.sign(message)


class Ed25519NoteVerifier(_Named):
    """Verifies Ed25519 note signatures (c2sp.org/signed-note type 0x01)."""

    def __init__(
        self, name: str, public_key: ed25519.Ed25519PublicKey, *, key_id: bytes | None = None
    ) -> None:
        public = raw_ed25519(public_key)
        super().__init__(name, ed25519_key_id(name, public) if key_id is None else key_id)
        self._key = public_key

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is a valid Ed25519 signature."""
        if len(signature) != _ED25519_SIGNATURE_SIZE:
            raise SignatureError(
                f"expected a {_ED25519_SIGNATURE_SIZE}-byte Ed25519 signature from {self.name}; "
                f"found {len(signature)} bytes"
            )
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            raise SignatureError(
                f"expected a valid Ed25519 signature from {self.name}; found one that does not "
                "verify over the note text"
            ) from None


class ECDSANoteSigner(_Named):
    """Signs note text with ECDSA, DER-encoded (signed-note type 0x02; Rekor v1)."""

    def __init__(
        self,
        name: str,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        hash_algorithm: hashes.HashAlgorithm | None = None,
        key_id: bytes | None = None,
    ) -> None:
        public = private_key.public_key()
        super().__init__(name, ecdsa_key_id(spki_der(public)) if key_id is None else key_id)
        self._hash = hash_algorithm or ecdsa_hash_for_curve(public.curve)
        self._key = private_key

    def sign(self, message: bytes) -> bytes:
        """ASN.1 DER ECDSA signature over the hash of ``message``."""
        return self._key.sign(message, ec.ECDSA(self._hash))


class ECDSANoteVerifier(_Named):
    """Verifies ECDSA note signatures (signed-note type 0x02; Rekor v1 checkpoints)."""

    def __init__(
        self,
        name: str,
        public_key: ec.EllipticCurvePublicKey,
        *,
        hash_algorithm: hashes.HashAlgorithm | None = None,
        key_id: bytes | None = None,
    ) -> None:
        super().__init__(name, ecdsa_key_id(spki_der(public_key)) if key_id is None else key_id)
        self._hash = hash_algorithm or ecdsa_hash_for_curve(public_key.curve)
        self._key = public_key

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is a valid DER ECDSA signature."""
        try:
            self._key.verify(signature, message, ec.ECDSA(self._hash))
        except (InvalidSignature, ValueError):
            raise SignatureError(
                f"expected a valid ECDSA {self._hash.name.upper()} signature from {self.name}; "
                "found one that does not verify over the note text"
            ) from None


class RSANoteSigner(_Named):
    """Signs note text with RSA PKCS#1 v1.5 and SHA-256 (rekor-tiles RSA logs)."""

    def __init__(
        self, name: str, private_key: rsa.RSAPrivateKey, *, key_id: bytes | None = None
    ) -> None:
        public = spki_der(private_key.public_key())
        super().__init__(name, rsa_key_id(name, public) if key_id is None else key_id)
        self._key = private_key

    def sign(self, message: bytes) -> bytes:
        """PKCS#1 v1.5 SHA-256 signature over ``message``."""
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())


class RSANoteVerifier(_Named):
    """Verifies RSA PKCS#1 v1.5 SHA-256 note signatures; key ID :func:`rsa_key_id`."""

    def __init__(
        self, name: str, public_key: rsa.RSAPublicKey, *, key_id: bytes | None = None
    ) -> None:
        super().__init__(name, rsa_key_id(name, spki_der(public_key)) if key_id is None else key_id)
        self._key = public_key

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is a valid RSA signature."""
        try:
            self._key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise SignatureError(
                f"expected a valid RSA PKCS#1 v1.5 SHA-256 signature from {self.name}; "
                "found one that does not verify over the note text"
            ) from None
