"""Signed notes and checkpoints: c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature.

Pure: text and keys in, values out (no I/O, no clock). See transparency-log.md §1.6 (Rekor v1
checkpoints), §2.5 (key-ID rules), §3.1–3.4 (C2SP) and sigstore-clients.md §5.5, §6.5.

* :mod:`.signed_note` — :class:`SignedNote`, :func:`parse_signed_note`, :func:`sign_note`,
  :func:`verify_note`, key IDs, signers and verifiers (Ed25519, ECDSA, RSA, cosignature/v1),
  vkeys.
* :mod:`.checkpoint` — :class:`Checkpoint`, :func:`parse_checkpoint`,
  :func:`sign_checkpoint`, :func:`open_checkpoint`.

Typical use, verifying a Rekor v2 checkpoint::

    verifier = Ed25519NoteVerifier("log2025-1.rekor.sigstore.dev", public_key)
    checkpoint = open_checkpoint(text, [verifier], origin="log2025-1.rekor.sigstore.dev")
"""

from sigstack.core.note.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from sigstack.core.note.signed_note import (
    MAX_SIGNATURES,
    CosignatureV1Signer,
    CosignatureV1Verifier,
    ECDSANoteSigner,
    ECDSANoteVerifier,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    RSANoteSigner,
    RSANoteVerifier,
    SignedNote,
    add_signatures,
    cosignature_timestamp,
    cosignature_vkey,
    ecdsa_key_id,
    ed25519_key_id,
    note_key_id,
    parse_signed_note,
    rsa_key_id,
    sign_note,
    verifier_from_vkey,
    verify_note,
    vkey,
)

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "CosignatureV1Signer",
    "CosignatureV1Verifier",
    "ECDSANoteSigner",
    "ECDSANoteVerifier",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "RSANoteSigner",
    "RSANoteVerifier",
    "SignedNote",
    "add_signatures",
    "cosignature_timestamp",
    "cosignature_vkey",
    "ecdsa_key_id",
    "ed25519_key_id",
    "note_key_id",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_signed_note",
    "rsa_key_id",
    "sign_checkpoint",
    "sign_note",
    "verifier_from_vkey",
    "verify_note",
    "vkey",
]
