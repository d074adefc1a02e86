"""Stage 1, SEQUENCE: give a batch of entries contiguous indexes, durably, in one transaction.

Duplicates are refused here (tessera leaves strong uniqueness to the personality,
``docs/design/antispam.md``; Rekor v1 answers 409 from Trillian's leaf identity):
both against the log and within the batch. Rekor v1's SignedEntryTimestamp is
signed once, here, when the index and integrated time become known
(rekor ``pkg/api/entries.go: signEntry``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.tlog.entries import CanonicalEntry
from sigstack.core.tlog.promise import promise_payload
from sigstack.errors import DuplicateEntryError
from sigstack.services.tlog.storage import DuplicateLeafError, LogStorage, SequencedEntry

__all__ = ["PromiseSigner", "Sequencer", "promise_payload"]

#: Signs the canonical SET payload (Rekor v1); None for logs without promises (Rekor v2).
PromiseSigner = Callable[[bytes], bytes]


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry waiting to be sequenced."""

    entry: CanonicalEntry
    leaf_hash: bytes


def pending(entry: CanonicalEntry) -> Pending:
    """Wrap a validated entry with its leaf hash."""
    return Pending(entry, leaf_hash(entry.body))


class Sequencer:
    """Assigns indexes. Owned by the single writer thread."""

    def __init__(
        self, storage: LogStorage, *, log_id_hex: str, promise_signer: PromiseSigner | None
    ) -> None:
        self._storage = storage
        self._log_id_hex = log_id_hex
        self._sign_promise = promise_signer
        self.next_index = storage.sequenced_size()

    def sequence(
        self, batch: Sequence[Pending], now: int
    ) -> list[SequencedEntry | DuplicateEntryError]:
        """Sequence ``batch``; one result per input: its stored form, or why it is a duplicate."""
        # Optimistic: duplicates are rare, so assign indexes to the whole batch and let
        # storage check uniqueness atomically with the write; on a conflict it names the
        # existing leaves and the batch is assigned again without them.
        fresh, results = self._assign(batch, {}, now)
        try:
            try:
                self._storage.sequence(fresh)
            except DuplicateLeafError as dup:
                fresh, results = self._assign(batch, dup.existing, now)
                self._storage.sequence(fresh)
        except Exception:
            self.next_index = self._storage.sequenced_size()
            raise
        self.next_index += len(fresh)
        return results

    def _assign(
        self, batch: Sequence[Pending], existing: dict[bytes, int], now: int
    ) -> tuple[list[SequencedEntry], list[SequencedEntry | DuplicateEntryError]]:
        """Indexes (and v1 promises) for entries not in ``existing`` nor earlier in the batch."""
        results: list[SequencedEntry | DuplicateEntryError] = []
        fresh: list[SequencedEntry] = []
        seen: dict[bytes, int] = {}
        index = self.next_index
        for item in batch:
            where = existing.get(item.leaf_hash, seen.get(item.leaf_hash))
            if where is not None:
                results.append(
                    DuplicateEntryError(
                        f"an equivalent entry already exists in the log at index {where}",
                        index=where,
                        leaf_hash=item.leaf_hash,
                    )
                )
                continue
            promise = b""
            integrated_time = 0
            if self._sign_promise is not None:
                integrated_time = now
                promise = self._sign_promise(
                    promise_payload(item.entry.body, now, self._log_id_hex, index)
                )
            stored = SequencedEntry(
                index,
                item.leaf_hash,
                item.entry.body,
                integrated_time,
                promise,
                item.entry.index_keys,
            )
            seen[item.leaf_hash] = index
            fresh.append(stored)
            results.append(stored)
            index += 1
        return fresh, results
