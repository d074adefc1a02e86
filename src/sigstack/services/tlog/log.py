"""One transparency log instance: batches writes through the three stages and serves reads.

Writes: :meth:`TransparencyLog.add` queues a validated entry; a background task
takes batches (group commit: everything waiting when the writer is free, at most
``batch_max_size``; ``batch_max_age`` can make it wait longer) and runs
sequence → integrate → publish on ONE writer thread, then resolves every
waiter with the published checkpoint that covers it. A request is therefore
acknowledged only when its entry is durable and committed to by a signed
checkpoint, and the response can carry an inclusion proof (as rekor-tiles does
with tessera's ``PublicationAwaiter``).

Reads never go through the writer: they use the last published
:class:`~sigstack.services.tlog.publisher.Published` value (an immutable
snapshot), full tiles from an LRU cache or storage, and the snapshot's own
right-edge tiles.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sigstack.core.merkle.nodes import Nodes, consistency_nodes, inclusion_nodes
from sigstack.core.merkle.proof_builder import node_hash_from_tiles, root_from_tiles
from sigstack.core.merkle.tiles import TILE_WIDTH
from sigstack.core.tlog.entries import CanonicalEntry
from sigstack.errors import DuplicateEntryError, FormatError, NotFoundError, PushbackError
from sigstack.services.tlog.identity import LogIdentity
from sigstack.services.tlog.integrator import Integrator, TreeSnapshot
from sigstack.services.tlog.publisher import Published, Publisher, restore
from sigstack.services.tlog.sequencer import Pending, Sequencer, pending
from sigstack.services.tlog.settings import LogSettings
from sigstack.services.tlog.storage import LogStorage, SequencedEntry, StoredEntry

__all__ = ["Acknowledgement", "TransparencyLog"]

_HASH = 32


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A durably logged entry and a published checkpoint that covers it."""

    entry: StoredEntry
    published: Published


class TransparencyLog:
    """One log: identity (key, origin), storage and the write pipeline."""

    def __init__(
        self,
        storage: LogStorage,
        identity: LogIdentity,
        settings: LogSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.storage = storage
        self.identity = identity
        self.settings = settings
        self._clock = clock
        self._pending: list[tuple[Pending, asyncio.Future[Acknowledgement]]] = []
        self._oldest = 0.0
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"tlog-writer-{identity.origin}")
        self._tiles: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._nodes: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._sequencer: Sequencer | None = None
        self._integrator: Integrator | None = None
        self._publisher = Publisher(storage, identity.origin, [identity.note_signer])
        self._published: Published | None = None

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Recover from a previous run (integrate and publish what was sequenced) and start."""
        loop = asyncio.get_running_loop()
        self._published = await loop.run_in_executor(self._executor, self._recover)
        self._task = asyncio.create_task(self._run(), name=f"tlog-{self.identity.origin}")

    def _recover(self) -> Published:
        self._sequencer = Sequencer(
            self.storage,
            log_id_hex=self.identity.log_id.hex(),
            promise_signer=self.identity.promise_signer,
        )
        self._integrator = Integrator(self.storage)
        snapshot = self._catch_up([], self._sequencer.next_index)
        return restore(self.storage, snapshot) or self._publisher.publish(snapshot, None)

    async def stop(self) -> None:
        """Finish every queued entry (acknowledge or fail it), then release storage."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=True)
        self.storage.close()

    # -- writes -------------------------------------------------------------------------

    @property
    def outstanding(self) -> int:
        """Entries queued or being sequenced."""
        return len(self._pending) + self._in_flight

    async def add(self, entry: CanonicalEntry) -> Acknowledgement:
        """Log ``entry``; return once it is durable and covered by a published checkpoint.

        Raises DuplicateEntryError (with the existing index) or PushbackError.
        """
        if self._closing:
            raise PushbackError("the log is shutting down; retry against the restarted server")
        if self.outstanding >= self.settings.max_outstanding:
            raise PushbackError(
                f"the log is behind: {self.outstanding} entries wait for sequencing"
                f" (limit {self.settings.max_outstanding}); retry shortly",
                retry_after=1,
            )
        future: asyncio.Future[Acknowledgement] = asyncio.get_running_loop().create_future()
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append((pending(entry), future))
        if len(self._pending) == 1 or len(self._pending) >= self.settings.batch_max_size:
            self._wake.set()
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            wait = self._oldest + self.settings.batch_max_age - time.monotonic()
            if len(self._pending) < self.settings.batch_max_size and wait > 0 and not self._closing:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                continue
            batch = self._pending[: self.settings.batch_max_size]
            del self._pending[: len(batch)]
            self._oldest = time.monotonic()
            self._in_flight = len(batch)
            try:
                results, published, full = await loop.run_in_executor(
                    self._executor, self._process, [item for item, _ in batch]
                )
            except Exception as exc:  # StorageError or a bug: fail the batch, keep serving
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self._in_flight = 0
            self._published = published
            for key, data in full.items():
                self._cache_tile(key, data)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, DuplicateEntryError):
                    future.set_exception(result)
                else:
                    stored = StoredEntry(
                        result.index,
                        result.leaf_hash,
                        result.body,
                        result.integrated_time,
                        result.inclusion_promise,
                    )
                    future.set_result(Acknowledgement(stored, published))

    def _process(
        self, batch: list[Pending]
    ) -> tuple[list[SequencedEntry | DuplicateEntryError], Published, dict[tuple[int, int], bytes]]:
        """Writer thread: sequence, integrate, publish one batch."""
        assert self._sequencer is not None
        now = int(self._clock().timestamp())
        results = self._sequencer.sequence(batch, now)
        fresh = [r.leaf_hash for r in results if isinstance(r, SequencedEntry)]
        full: dict[tuple[int, int], bytes] = {}
        snapshot = self._catch_up(fresh, self._sequencer.next_index, full)
        published = self._publisher.publish(snapshot, self._published)
        return results, published, full

    def _catch_up(
        self, fresh: list[bytes], target: int, full: dict[tuple[int, int], bytes] | None = None
    ) -> TreeSnapshot:
        """Integrate up to ``target``: the batch's own hashes when contiguous, else from storage."""
        assert self._integrator is not None
        integrator = self._integrator
        if integrator.size + len(fresh) != target:
            fresh = self.storage.read_leaf_hashes(integrator.size, target)
        snapshot = integrator.snapshot
        for start in range(0, len(fresh), 65536):
            snapshot, new_full = integrator.integrate(fresh[start : start + 65536])
            if full is not None:
                full.update(new_full)
        return snapshot

    # -- reads --------------------------------------------------------------------------

    @property
    def published(self) -> Published:
        """The latest published checkpoint and its tree."""
        if self._published is None:
            raise NotFoundError("the log has not started")
        return self._published

    def _cache_tile(self, key: tuple[int, int], data: bytes) -> None:
        self._tiles[key] = data
        self._tiles.move_to_end(key)
        while len(self._tiles) > self.settings.tile_cache_size:
            self._tiles.popitem(last=False)

    def _tile_reader(self, tree: TreeSnapshot) -> Callable[[int, int], bytes]:
        def read_tile(level: int, index: int) -> bytes:
            edge = tree.edge_tiles.get((level, index))
            if edge is not None:
                return edge
            cached = self._tiles.get((level, index))
            if cached is not None:
                return cached
            data = self.storage.read_tile(level, index)
            if data is None:
                raise NotFoundError(f"tile {level}/{index} is not in storage")
            if len(data) == TILE_WIDTH * _HASH:
                self._cache_tile((level, index), data)
            return data

        return read_tile

    def _proof(self, nodes: Nodes, tree: TreeSnapshot) -> list[bytes]:
        """Hashes for ``nodes`` (perfect subtrees: immutable, so cached) folded into a proof."""
        cache = self._nodes
        read_tile = self._tile_reader(tree)
        hashes = []
        for node in nodes.ids:
            found = cache.get(node)
            if found is None:
                found = node_hash_from_tiles(node.level, node.index, read_tile)
                cache[node] = found
                if len(cache) > self.settings.node_cache_size:
                    cache.popitem(last=False)
            hashes.append(found)
        return nodes.rehash(hashes)

    def inclusion_proof(self, index: int, published: Published | None = None) -> list[bytes]:
        """Audit path of leaf ``index`` in the tree of ``published`` (default: the latest)."""
        published = published or self.published
        return self.inclusion_proof_at(index, published.size, published)

    def inclusion_proof_at(
        self, index: int, size: int, published: Published | None = None
    ) -> list[bytes]:
        """Audit path of leaf ``index`` in the tree of ``size`` (at most the published size).

        An older tree's perfect subtrees all stand in the published tiles, so any earlier
        size is served from the same snapshot.
        """
        published = published or self.published
        if not 0 <= index < size <= published.size:
            raise NotFoundError(
                f"index {index} is not in a tree of size {size}"
                f" (the published size is {published.size})"
            )
        return self._proof(inclusion_nodes(index, size), published.tree)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Consistency proof between two tree sizes, both at most the published size."""
        published = self.published
        if not 0 <= size1 <= size2:
            raise FormatError(
                f"first size must be between 0 and the last size; got {size1} and {size2}",
                field="firstSize",
            )
        if size2 > published.size:
            raise FormatError(
                f"last size {size2} is larger than the published tree size {published.size}",
                field="lastSize",
            )
        if size1 in (0, size2):
            return []
        return self._proof(consistency_nodes(size1, size2), published.tree)

    def root_at(self, size: int) -> bytes:
        """Root hash of the tree at ``size`` (at most the published size)."""
        published = self.published
        if size == published.size:
            return published.checkpoint.root_hash
        if not 0 <= size <= published.size:
            raise FormatError(f"size {size} is outside 0..{published.size}", field="size")
        return root_from_tiles(size, self._tile_reader(published.tree))

    def entry(self, index: int) -> StoredEntry:
        """The entry at ``index`` if it is covered by the published checkpoint."""
        if not 0 <= index < self.published.size:
            raise NotFoundError(f"no entry at index {index}; the log has {self.published.size}")
        entries = self.storage.read_entries(index, index + 1)
        if not entries:
            raise NotFoundError(f"no entry at index {index}")
        return entries[0]

    def find(self, leaf_hash: bytes) -> int | None:
        """Index of the entry with this leaf hash, if it is published."""
        index = self.storage.find_leaf_hashes([leaf_hash]).get(leaf_hash)
        if index is None or index >= self.published.size:
            return None
        return index

    def tile(self, level: int, index: int, width: int) -> bytes:
        """A tile of the published tree; ``width`` < 256 asks for a partial tile."""
        tree = self.published.tree
        if tree.is_full_tile(level, index):
            data = self._tile_reader(tree)(level, index)
        else:
            edge = tree.edge_tiles.get((level, index))
            if edge is None or width == TILE_WIDTH or len(edge) < width * _HASH:
                raise NotFoundError(f"tile {level}/{index} of width {width} is not published")
            data = edge
        return data[: width * _HASH]

    def entry_bundle(self, index: int, width: int) -> list[bytes]:
        """Bodies of the entries in bundle ``index`` (256 per full bundle, ``width`` if partial)."""
        start = index * TILE_WIDTH
        end = start + width
        size = self.published.size
        if end > size:
            raise NotFoundError(
                f"entry bundle {index} of width {width} is not published; the log has {size}"
            )
        return [e.body for e in self.storage.read_entries(start, end)]
