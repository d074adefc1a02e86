"""Who a log is: its key, origin, log ID and signers, for Rekor v1 and Rekor v2 flavours.

- Rekor v1 (transparency-log.md §1.5–1.6): ECDSA P-256 key; ``logID`` = SHA-256 of the
  DER public key; checkpoint origin ``"<host> - <treeID>"`` signed under the name
  ``<host>`` with key hint ``logID[:4]``; every entry gets a SignedEntryTimestamp.
- Rekor v2 (§2.5, sigstore-clients.md §6.5): Ed25519 key; origin ``<host>``; log ID =
  the full C2SP note key ID SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ key); no SET.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.core.note.signed_note import (
    ECDSANoteSigner,
    Ed25519NoteSigner,
    NoteSigner,
    ecdsa_key_id,
    ed25519_key_id,
)
from sigstack.services.tlog.sequencer import PromiseSigner

__all__ = ["LogIdentity", "rekor_v1_identity", "rekor_v2_identity"]


@dataclass(frozen=True)
class LogIdentity:
    """Key material and names of one log."""

    origin: str
    note_signer: NoteSigner
    #: v1: SHA-256(DER SPKI); v2: the 32-byte checkpoint key ID.
    log_id: bytes
    public_key_pem: bytes
    promise_signer: PromiseSigner | None = None
    tree_id: int | None = None


def _pem(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def rekor_v1_identity(
    private_key: ec.EllipticCurvePrivateKey, hostname: str, tree_id: int
) -> LogIdentity:
    """A Rekor v1 log with an ECDSA key, named ``hostname``, tree ``tree_id``."""
    spki = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def sign_promise(payload: bytes) -> bytes:
        return private_key.sign(payload, ec.ECDSA(hashes.SHA256()))

    return LogIdentity(
        origin=f"{hostname} - {tree_id}",
        note_signer=ECDSANoteSigner(hostname, private_key),
        log_id=ecdsa_key_id(spki),
        public_key_pem=_pem(private_key.public_key()),
        promise_signer=sign_promise,
        tree_id=tree_id,
    )


def rekor_v2_identity(private_key: ed25519.Ed25519PrivateKey, hostname: str) -> LogIdentity:
    """A Rekor v2 log with an Ed25519 key and origin ``hostname``."""
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return LogIdentity(
        origin=hostname,
        note_signer=Ed25519NoteSigner(hostname, private_key),
        log_id=ed25519_key_id(hostname, raw),
        public_key_pem=_pem(private_key.public_key()),
    )
