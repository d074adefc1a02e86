"""Step 4 of sigstore-clients.md §9.2: the log entry is in a trusted log (§5.5, §6.5).

Order: the trusted log whose ``logId`` (or ``checkpointKeyId``) is the entry's; Merkle
inclusion of the canonical body (RFC 6962 leaf hash) in the proof's tree; the checkpoint
signed by that log (a signature line whose 4-byte hint is ``logId[:4]`` and whose name is a
substring of the log's ``baseUrl``, at least one verifying, other lines ignored as
witnesses); checkpoint size and root equal to the proof's; then the SET when present.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from sigstack.core.bundle import TlogEntry
from sigstack.core.keys import PublicKey, load_der_spki, verify_signature
from sigstack.core.merkle.proof import verify_inclusion
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.note.checkpoint import Checkpoint, parse_checkpoint
from sigstack.core.note.signed_note import parse_signed_note
from sigstack.core.tlog.promise import promise_payload
from sigstack.core.trust.model import TransparencyLogInstance, ValidFor
from sigstack.errors import Error, FormatError
from sigstack.verify.errors import (
    CheckpointError,
    InclusionProofError,
    PromiseError,
    TrustedRootError,
)

__all__ = [
    "find_log",
    "log_key",
    "log_key_of",
    "verify_checkpoint",
    "verify_inclusion_of",
    "verify_promise",
]

_HINT = 4


def within(valid_for: ValidFor, moment: datetime) -> bool:
    """Closed interval ``[start, end]`` (conformance: TimeRange is closed; §10 #17)."""
    if moment < valid_for.start:
        return False
    return valid_for.end is None or moment <= valid_for.end


def find_log(
    tlogs: tuple[TransparencyLogInstance, ...], entry: TlogEntry, times: Sequence[datetime]
) -> TransparencyLogInstance:
    """The trusted log the entry names by ``logId.keyId``, its key valid when the entry was
    made: at ``integratedTime`` (Rekor v1), else at every verified time (Rekor v2: the TSA
    ``genTime``). None → :class:`TrustedRootError`."""
    moments = (
        [datetime.fromtimestamp(entry.integrated_time, UTC)] if entry.integrated_time else times
    )
    for log in tlogs:
        if entry.log_id in (log.log_id, log.checkpoint_key_id) and all(
            within(log.valid_for, moment) for moment in moments
        ):
            return log
    raise TrustedRootError(
        f"expected a trusted log with ID {entry.log_id.hex()} valid at "
        f"{[m.isoformat() for m in moments]}; the trusted root lists "
        f"{[t.log_id.hex()[:16] for t in tlogs]}",
        field="tlogEntries[0].logId",
    )


@lru_cache(maxsize=128)
def log_key_of(der: bytes, *, field: str) -> PublicKey:
    """A trusted root's DER public key, parsed once per key (pure; cached)."""
    return load_der_spki(der, field=field)


def log_key(log: TransparencyLogInstance) -> PublicKey:
    """The log's public key; unparseable → :class:`TrustedRootError`."""
    try:
        return log_key_of(log.public_key_der, field="tlogs[].publicKey")
    except FormatError as exc:
        raise TrustedRootError(str(exc), field="tlogs[].publicKey") from exc


def verify_inclusion_of(entry: TlogEntry) -> None:
    """4a: the body's leaf hash is leaf ``proof.logIndex`` of the tree with ``proof.rootHash``."""
    proof = entry.inclusion_proof
    if proof is None:
        raise InclusionProofError("expected an inclusion proof, found none", field="inclusionProof")
    try:
        verify_inclusion(
            proof.log_index,
            proof.tree_size,
            leaf_hash(entry.canonicalized_body),
            proof.hashes,
            proof.root_hash,
        )
    except Error as exc:
        raise InclusionProofError(f"inclusion proof fails: {exc}", field="inclusionProof") from exc


def verify_checkpoint(entry: TlogEntry, log: TransparencyLogInstance) -> Checkpoint:
    """4b: checkpoint signed by ``log``, for the proof's tree size and root."""
    proof = entry.inclusion_proof
    if proof is None or proof.checkpoint is None:
        raise CheckpointError(
            "expected a checkpoint with the proof, found none", field="checkpoint"
        )
    try:
        note = parse_signed_note(proof.checkpoint.envelope)
    except Error as exc:
        raise CheckpointError(
            f"checkpoint is not a signed note: {exc}", field="checkpoint"
        ) from exc
    hint = entry.log_id[:_HINT]
    candidates = [s for s in note.signatures if s.key_hash == hint and s.name in log.base_url]
    if not candidates:
        found = [f"{s.name}+{s.key_hash.hex()}" for s in note.signatures]
        raise CheckpointError(
            f"expected a signature line with key hint {hint.hex()} named within "
            f"{log.base_url!r}, found {found}",
            field="checkpoint",
        )
    key = log_key(log)
    for line in candidates:
        try:
            verify_signature(key, line.signature, note.text.encode(), field="checkpoint")
            break
        except Error:
            continue
    else:
        raise CheckpointError("no checkpoint signature by the log key verifies", field="checkpoint")
    try:
        checkpoint = parse_checkpoint(note.text)
    except Error as exc:
        raise CheckpointError(f"malformed checkpoint: {exc}", field="checkpoint") from exc
    if (checkpoint.size, checkpoint.root_hash) != (proof.tree_size, proof.root_hash):
        raise CheckpointError(
            f"expected the checkpoint for tree {proof.tree_size} root {proof.root_hash.hex()}, "
            f"found tree {checkpoint.size} root {checkpoint.root_hash.hex()}",
            field="checkpoint",
        )
    return checkpoint


def verify_promise(entry: TlogEntry, log: TransparencyLogInstance) -> bool:
    """4c: the SET over {body, integratedTime, logID, logIndex}; ``False`` when absent."""
    if entry.inclusion_promise is None:
        return False
    if not entry.integrated_time:
        raise PromiseError("an inclusion promise needs a non-zero integratedTime", field="set")
    payload = promise_payload(
        entry.canonicalized_body, entry.integrated_time, entry.log_id.hex(), entry.log_index
    )
    try:
        verify_signature(
            log_key(log), entry.inclusion_promise.signed_entry_timestamp, payload, field="set"
        )
    except Error as exc:
        raise PromiseError(f"signed entry timestamp does not verify: {exc}", field="set") from exc
    return True
