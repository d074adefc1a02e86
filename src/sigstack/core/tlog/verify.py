"""Verify what a Rekor v1 log hands out, instead of trusting it (transparency-log.md §1, §3).

Pure: entries, notes and keys in; verified values out or a
:class:`~sigstack.errors.VerificationError` subclass saying what was expected and what was
found. Fetching is the client's job (:mod:`sigstack.clients.tlog`).

An entry (``LogEntryAnon``, §1.1) is accepted only when all of these hold:

1. its UUID is the RFC 6962 leaf hash of its body (§1.3), and its ``logID`` is
   SHA-256 of the log key's DER SubjectPublicKeyInfo (§1.5);
2. the SignedEntryTimestamp verifies with the log key over the RFC 8785 payload
   ``{body, integratedTime, logID, logIndex}`` (§1.5, :mod:`.promise`);
3. the checkpoint sent with the proof is signed by the log key (§1.6: signature-line
   name = the log's host name, key hint = SHA-256(DER)[:4]);
4. the proof's ``logIndex``, ``treeSize`` and ``rootHash`` are the entry's index and the
   checkpoint's size and root, and the inclusion proof leads from the body's leaf hash to
   that root (RFC 9162 §2.1.3.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.core.keys import PublicKey, spki_der, verify_signature
from sigstack.core.merkle.proof import verify_consistency, verify_inclusion
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.note.checkpoint import Checkpoint, open_checkpoint
from sigstack.core.note.signed_note import (
    ECDSANoteVerifier,
    Ed25519NoteVerifier,
    NoteVerifier,
    parse_signed_note,
)
from sigstack.core.tlog.promise import promise_payload
from sigstack.core.tlog.values import InclusionProof, LogEntryV1
from sigstack.errors import (
    ProofError,
    SignatureError,
    UnsupportedError,
    VerificationError,
)

__all__ = [
    "InclusionProof",
    "LogEntryV1",
    "VerifiedEntryV1",
    "describe_key",
    "log_key_id",
    "verify_checkpoint_consistency",
    "verify_checkpoint_v1",
    "verify_log_entry_v1",
    "verify_log_info_v1",
]

_UUID_HEX = 64
#: Bytes of the key ID on a signature line (c2sp.org/signed-note "Format").
_HINT_SIZE = 4


@dataclass(frozen=True)
class VerifiedEntryV1:
    """An entry that passed :func:`verify_log_entry_v1`, and what it was checked against."""

    entry: LogEntryV1
    leaf_hash: bytes
    checkpoint: Checkpoint
    log_key_id: bytes


def log_key_id(public_key: PublicKey) -> bytes:
    """Rekor v1 log ID: SHA-256 of the DER SubjectPublicKeyInfo (§1.5; all key types)."""
    return hashlib.sha256(spki_der(public_key)).digest()


def describe_key(public_key: PublicKey) -> str:
    """Short human name of a log key: ``sha256:<first 16 hex of the log ID>``."""
    return f"sha256:{log_key_id(public_key).hex()[:16]}"


def _note_verifier(public_key: PublicKey, name: str) -> NoteVerifier:
    key_id = log_key_id(public_key)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECDSANoteVerifier(name, public_key, key_id=key_id)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        # Rekor v1 hints every key type with SHA-256(DER), not the C2SP Ed25519 rule (§1.6).
        return Ed25519NoteVerifier(name, public_key, key_id=key_id)
    raise UnsupportedError(
        f"expected an ECDSA or Ed25519 log key for checkpoints, found {type(public_key).__name__}",
        field="log key",
    )


def verify_checkpoint_v1(
    note: str, log_public_key: PublicKey, hostname: str | None = None
) -> Checkpoint:
    """Verify a Rekor v1 signed checkpoint with the log key; return its body.

    With ``hostname``, only a signature line named ``hostname`` counts and the origin must be
    ``"<hostname> - <treeID>"``. Without it, the name is taken from the signature lines whose
    key hint is the log key's (an ECDSA key ID does not cover the name, so nothing is lost).
    """
    signed = parse_signed_note(note)
    hint = log_key_id(log_public_key)[:_HINT_SIZE]
    if hostname is not None:
        names = [hostname]
    else:
        names = list(dict.fromkeys(s.name for s in signed.signatures if s.key_hash == hint))
        if not names:
            found = ", ".join(f"{s.name}+{s.key_hash.hex()}" for s in signed.signatures)
            raise SignatureError(
                f"checkpoint is not signed by the log key: expected a signature line with key "
                f"hint {hint.hex()} (log key {describe_key(log_public_key)}), found: {found}"
            )
    try:
        checkpoint = open_checkpoint(note, [_note_verifier(log_public_key, n) for n in names])
    except SignatureError as exc:
        raise SignatureError(
            f"checkpoint signature does not verify with log key {describe_key(log_public_key)}: "
            f"{exc.message}"
        ) from exc
    if hostname is not None and not checkpoint.origin.startswith(f"{hostname} - "):
        raise SignatureError(
            f"expected a checkpoint origin '{hostname} - <treeID>', found {checkpoint.origin!r}",
            field="origin",
        )
    return checkpoint


def verify_log_info_v1(
    root_hash: bytes,
    tree_size: int,
    signed_tree_head: str,
    log_public_key: PublicKey,
    hostname: str | None = None,
) -> Checkpoint:
    """Verify ``GET /api/v1/log``: the signed tree head, and that the unsigned fields match it."""
    checkpoint = verify_checkpoint_v1(signed_tree_head, log_public_key, hostname)
    if tree_size != checkpoint.size:
        raise VerificationError(
            f"log info treeSize is {tree_size}, but its signed tree head says {checkpoint.size}",
            field="treeSize",
        )
    if root_hash != checkpoint.root_hash:
        raise VerificationError(
            f"log info rootHash is {root_hash.hex()}, but its signed tree head says "
            f"{checkpoint.root_hash.hex()}",
            field="rootHash",
        )
    return checkpoint


def _check_identity(entry: LogEntryV1, leaf: bytes, key_id: bytes) -> None:
    uuid = entry.uuid.lower()
    if len(uuid) < _UUID_HEX or uuid[-_UUID_HEX:] != leaf.hex():
        raise VerificationError(
            f"entry UUID {entry.uuid} does not match its body: expected it to end in the body's "
            f"leaf hash {leaf.hex()}",
            field="uuid",
        )
    if entry.log_id != key_id:
        raise VerificationError(
            f"entry logID is {entry.log_id.hex()}, expected {key_id.hex()} "
            "(SHA-256 of the log key): the entry is from another log or the key is wrong",
            field="logID",
        )


def _check_requested(entry: LogEntryV1, index: int | None, uuid: str | None) -> None:
    if index is not None and entry.log_index != index:
        raise VerificationError(
            f"asked the log for index {index}, it answered with the entry at index "
            f"{entry.log_index}",
            field="logIndex",
        )
    if uuid is None:
        return
    asked, found = uuid.lower(), entry.uuid.lower()
    if len(asked) != len(found):  # a 64-hex UUID matches the tail of an 80-hex EntryID
        asked, found = asked[-_UUID_HEX:], found[-_UUID_HEX:]
    if asked != found:
        raise VerificationError(
            f"asked the log for UUID {uuid}, it answered with entry {entry.uuid}", field="uuid"
        )


def _check_set(entry: LogEntryV1, set_bytes: bytes, log_public_key: PublicKey) -> None:
    payload = promise_payload(
        entry.body, entry.integrated_time, entry.log_id.hex(), entry.log_index
    )
    try:
        verify_signature(log_public_key, set_bytes, payload, field="signedEntryTimestamp")
    except SignatureError as exc:
        raise SignatureError(
            f"signed entry timestamp does not verify with log key {describe_key(log_public_key)} "
            f"over body, integratedTime={entry.integrated_time}, logIndex={entry.log_index}: "
            "the log did not promise this entry",
            field="signedEntryTimestamp",
        ) from exc


def _check_proof_fields(
    entry: LogEntryV1, proof: InclusionProof, checkpoint: Checkpoint, index_offset: int
) -> None:
    if proof.tree_size != checkpoint.size:
        raise ProofError(
            f"inclusion proof treeSize is {proof.tree_size}, expected the checkpoint's tree "
            f"size {checkpoint.size}",
            field="inclusionProof.treeSize",
        )
    if proof.root_hash != checkpoint.root_hash:
        raise ProofError(
            f"inclusion proof rootHash is {proof.root_hash.hex()}, expected the checkpoint's "
            f"root hash {checkpoint.root_hash.hex()}",
            field="inclusionProof.rootHash",
        )
    if proof.log_index + index_offset != entry.log_index:
        raise ProofError(
            f"inclusion proof logIndex is {proof.log_index}, expected the entry's logIndex "
            f"{entry.log_index - index_offset}",
            field="inclusionProof.logIndex",
        )


def verify_log_entry_v1(
    entry: LogEntryV1,
    log_public_key: PublicKey,
    hostname: str | None = None,
    *,
    expected_index: int | None = None,
    expected_uuid: str | None = None,
    index_offset: int = 0,
) -> VerifiedEntryV1:
    """Verify a Rekor v1 entry: SET, checkpoint signature, inclusion proof (module docstring).

    ``expected_index`` / ``expected_uuid``: what was asked for, so that a log answering with
    another (valid) entry is caught. ``index_offset`` is the sum of the lengths of the log's
    inactive shards (§1.4): the entry's ``logIndex`` is global, the proof's is shard-local.
    sigstack logs have one shard.
    """
    _check_requested(entry, expected_index, expected_uuid)
    proof = entry.inclusion_proof
    if proof is None:
        raise VerificationError(
            "expected an entry with an inclusion proof, found none", field="inclusionProof"
        )
    if not entry.signed_entry_timestamp:
        raise VerificationError(
            "expected an entry with a signed entry timestamp, found none",
            field="signedEntryTimestamp",
        )
    leaf = leaf_hash(entry.body)
    key_id = log_key_id(log_public_key)
    _check_identity(entry, leaf, key_id)
    _check_set(entry, entry.signed_entry_timestamp, log_public_key)
    checkpoint = verify_checkpoint_v1(proof.checkpoint, log_public_key, hostname)
    _check_proof_fields(entry, proof, checkpoint, index_offset)
    try:
        verify_inclusion(proof.log_index, checkpoint.size, leaf, proof.hashes, checkpoint.root_hash)
    except ProofError as exc:
        raise ProofError(
            f"inclusion proof of leaf {proof.log_index} in the tree of size {checkpoint.size} "
            f"does not verify: {exc}",
            field="inclusionProof.hashes",
        ) from exc
    return VerifiedEntryV1(entry, leaf, checkpoint, key_id)


def verify_checkpoint_consistency(
    old: Checkpoint,
    new: Checkpoint,
    proof: Sequence[bytes],
    proof_root_hash: bytes | None = None,
) -> None:
    """Check that the (already verified) checkpoint ``new`` extends ``old``.

    ``proof_root_hash`` is the ``rootHash`` the server sent with the proof
    (``GET /api/v1/log/proof``); when given it must be ``new``'s root.
    """
    if old.origin != new.origin:
        raise VerificationError(
            f"checkpoints are from different logs: origin {old.origin!r} and {new.origin!r}",
            field="origin",
        )
    if old.size > new.size:
        raise VerificationError(
            f"the old checkpoint's tree size {old.size} is larger than the new one's {new.size}",
            field="size",
        )
    if proof_root_hash is not None and proof_root_hash != new.root_hash:
        raise ProofError(
            f"consistency proof rootHash is {proof_root_hash.hex()}, expected the new "
            f"checkpoint's root hash {new.root_hash.hex()}",
            field="rootHash",
        )
    try:
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except ProofError as exc:
        raise ProofError(
            f"consistency proof from size {old.size} to size {new.size} does not verify: {exc}",
            field="hashes",
        ) from exc
