"""The log engine's stages (sequence → integrate → publish) over real SQLite files."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.core.canonical_json import canonicalize
from sigstack.core.merkle.proof import verify_consistency, verify_inclusion
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.note.checkpoint import open_checkpoint
from sigstack.core.note.signed_note import ECDSANoteVerifier, Ed25519NoteVerifier
from sigstack.core.tlog.entries import CanonicalEntry
from sigstack.errors import DuplicateEntryError, PushbackError, StorageError
from sigstack.services.tlog.identity import LogIdentity, rekor_v1_identity, rekor_v2_identity
from sigstack.services.tlog.log import TransparencyLog
from sigstack.services.tlog.settings import LogSettings
from sigstack.services.tlog.storage import SequencedEntry
from sigstack.services.tlog.storage.sqlite import SQLiteStorage
from tests.reference.merkle_ref import mth

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
V2_KEY = ed25519.Ed25519PrivateKey.generate()
V1_KEY = ec.generate_private_key(ec.SECP256R1())


def clock() -> datetime:
    return NOW


def entry(n: int, keys: frozenset[str] = frozenset()) -> CanonicalEntry:
    body = canonicalize({"apiVersion": "0.0.2", "kind": "test", "spec": {"n": n}})
    return CanonicalEntry("hashedrekord", "0.0.2", body, keys)


def open_log(
    path: Path, identity: LogIdentity | None = None, **settings: object
) -> TransparencyLog:
    ident = identity or rekor_v2_identity(V2_KEY, "log.example")
    return TransparencyLog(
        SQLiteStorage(path / "log.db", synchronous="NORMAL"), ident, LogSettings(**settings), clock
    )  # type: ignore[arg-type]


def verifier() -> Ed25519NoteVerifier:
    return Ed25519NoteVerifier("log.example", V2_KEY.public_key())


async def test_concurrent_adds_get_contiguous_indexes_and_valid_proofs(tmp_path: Path) -> None:
    log = open_log(tmp_path, batch_max_size=16, batch_max_age=0.01)
    await log.start()
    try:
        acks = await asyncio.gather(*(log.add(entry(i)) for i in range(100)))
    finally:
        await log.stop()
    assert sorted(a.entry.index for a in acks) == list(range(100))
    bodies = {a.entry.index: a.entry.body for a in acks}
    for ack in acks:
        cp = open_checkpoint(ack.published.note, [verifier()], origin="log.example")
        assert cp.size > ack.entry.index
        assert cp.root_hash == mth([bodies[i] for i in range(cp.size)])


async def test_inclusion_proofs_verify_for_every_index(tmp_path: Path) -> None:
    log = open_log(tmp_path, batch_max_size=64)
    await log.start()
    try:
        await asyncio.gather(*(log.add(entry(i)) for i in range(600)))
        published = log.published
        for index in range(published.size):
            body = log.entry(index).body
            proof = log.inclusion_proof(index)
            verify_inclusion(
                index, published.size, leaf_hash(body), proof, published.checkpoint.root_hash
            )
    finally:
        await log.stop()


async def test_duplicate_in_log_and_in_batch_are_refused_with_the_existing_index(
    tmp_path: Path,
) -> None:
    log = open_log(tmp_path)
    await log.start()
    try:
        first = await log.add(entry(1))
        with pytest.raises(
            DuplicateEntryError, match="already exists in the log at index 0"
        ) as err:
            await log.add(entry(1))
        assert err.value.index == first.entry.index
        results = await asyncio.gather(log.add(entry(2)), log.add(entry(2)), return_exceptions=True)
        oks = [r for r in results if not isinstance(r, BaseException)]
        dups = [r for r in results if isinstance(r, DuplicateEntryError)]
        assert len(oks) == 1 and len(dups) == 1
        assert dups[0].index == oks[0].entry.index == 1
        assert log.published.size == 2
    finally:
        await log.stop()


async def test_pushback_when_too_many_entries_wait(tmp_path: Path) -> None:
    log = open_log(tmp_path, max_outstanding=5, batch_max_size=1000, batch_max_age=0.2)
    await log.start()
    try:
        tasks = [asyncio.create_task(log.add(entry(i))) for i in range(5)]
        await asyncio.sleep(0)
        with pytest.raises(
            PushbackError, match=r"5 entries wait for sequencing \(limit 5\)"
        ) as err:
            await log.add(entry(99))
        assert err.value.status == 503 and err.value.retry_after >= 1
        await asyncio.gather(*tasks)
        assert log.published.size == 5
    finally:
        await log.stop()


async def test_restart_continues_the_log_consistently(tmp_path: Path) -> None:
    log = open_log(tmp_path, batch_max_size=7)
    await log.start()
    await asyncio.gather(*(log.add(entry(i)) for i in range(300)))
    old_notes = log.storage.checkpoints()
    await log.stop()

    log = open_log(tmp_path, batch_max_size=7)
    await log.start()
    try:
        assert log.published.size == 300
        ack = await log.add(entry(300))
        assert ack.entry.index == 300
        new = open_checkpoint(log.published.note, [verifier()])
        for size, note in old_notes:
            old = open_checkpoint(note, [verifier()])
            assert old.size == size
            proof = log.consistency_proof(old.size, new.size)
            verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    finally:
        await log.stop()


async def test_sequenced_but_unintegrated_entries_are_integrated_on_start(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "log.db", synchronous="NORMAL")
    storage.sequence(
        [
            SequencedEntry(i, leaf_hash(entry(i).body), entry(i).body, 0, b"", frozenset())
            for i in range(10)
        ]
    )
    storage.close()
    log = open_log(tmp_path)
    await log.start()
    try:
        assert log.published.size == 10
        assert log.published.checkpoint.root_hash == mth([entry(i).body for i in range(10)])
    finally:
        await log.stop()


async def test_storage_failure_fails_the_batch_and_acknowledges_nothing(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    await log.start()
    try:
        await log.add(entry(0))
        real = log.storage.sequence

        def broken(entries: object) -> None:
            raise StorageError("sequencing failed: disk I/O error")

        log.storage.sequence = broken  # type: ignore[method-assign,assignment]
        with pytest.raises(StorageError, match="disk I/O error"):
            await log.add(entry(1))
        log.storage.sequence = real  # type: ignore[method-assign]
        assert log.published.size == 1
        ack = await log.add(entry(1))
        assert ack.entry.index == 1
    finally:
        await log.stop()


async def test_search_index_is_written_with_the_entry(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    await log.start()
    try:
        await log.add(entry(0, frozenset({"hash:sha256:aa", "email:a@example.com"})))
        await log.add(entry(1, frozenset({"hash:sha256:aa"})))
        assert log.storage.search(["hash:sha256:aa"], match_all=False, limit=10) == [0, 1]
        both = ["hash:sha256:aa", "email:a@example.com"]
        assert log.storage.search(both, match_all=True, limit=10) == [0]
    finally:
        await log.stop()


async def test_rekor_v1_identity_signs_a_promise_per_entry(tmp_path: Path) -> None:
    ident = rekor_v1_identity(V1_KEY, "rekor.example", 1234)
    log = open_log(tmp_path, ident)
    await log.start()
    try:
        ack = await log.add(entry(0))
        assert ack.entry.integrated_time == int(NOW.timestamp())
        assert ack.entry.inclusion_promise
        cp = open_checkpoint(
            ack.published.note, [ECDSANoteVerifier("rekor.example", V1_KEY.public_key())]
        )
        assert cp.origin == "rekor.example - 1234"
    finally:
        await log.stop()


async def test_tiles_and_entry_bundles_of_the_published_tree(tmp_path: Path) -> None:
    log = open_log(tmp_path, batch_max_size=100)
    await log.start()
    try:
        await asyncio.gather(*(log.add(entry(i)) for i in range(300)))
        leaves = [leaf_hash(e.body) for e in log.storage.read_entries(0, 300)]
        assert log.tile(0, 0, 256) == b"".join(leaves[:256])
        assert log.tile(0, 1, 44) == b"".join(leaves[256:300])
        assert log.tile(0, 1, 10) == b"".join(leaves[256:266])
        assert [leaf_hash(b) for b in log.entry_bundle(1, 44)] == leaves[256:300]
        with pytest.raises(Exception, match="not published"):
            log.tile(0, 1, 256)
        with pytest.raises(Exception, match="not published"):
            log.entry_bundle(1, 45)
    finally:
        await log.stop()
