"""The narrow storage protocol behind one transparency log.

Life of an entry (the stages of transparency-dev/tessera, ``README.md``
"Sequencing/Integration/Publishing"):

1. **sequence** — a batch of validated entries gets contiguous indexes in ONE
   transaction, together with their search-index keys (so the index never
   drifts from the log). From here on the entry is durable.
2. **integrate** — the leaf hashes of sequenced entries are folded into the
   tree: new tiles and the new compact range/root are written in one
   transaction, guarded by the previous size (compare-and-set).
3. **publish** — a checkpoint for the new size is signed once and stored.

Only after (3) covers its index is an entry acknowledged to the client.

A backend implements :class:`LogStorage`; it knows nothing of HTTP, keys or
Merkle maths. ``sqlite.py`` is the embedded default; a PostgreSQL backend can
implement the same methods with ``SELECT ... FOR UPDATE`` on the two
compare-and-set points (``sequence`` and ``integrate``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sigstack.errors import StorageError

__all__ = ["DuplicateLeafError", "LogStorage", "SequencedEntry", "StoredEntry", "TreeState"]


class DuplicateLeafError(StorageError):
    """``sequence`` found leaf hashes already in the log; nothing of the batch was written.

    ``existing`` maps each such leaf hash to its index.
    """

    def __init__(self, existing: dict[bytes, int]) -> None:
        super().__init__(f"{len(existing)} leaves of the batch are already in the log")
        self.existing = existing


@dataclass(frozen=True, slots=True)
class SequencedEntry:
    """An entry ready to be written at a known index."""

    index: int
    leaf_hash: bytes
    body: bytes
    integrated_time: int
    #: Rekor v1 SignedEntryTimestamp, signed once at sequencing; ``b""`` for Rekor v2.
    inclusion_promise: bytes
    index_keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as read back from storage."""

    index: int
    leaf_hash: bytes
    body: bytes
    integrated_time: int
    inclusion_promise: bytes


@dataclass(frozen=True, slots=True)
class TreeState:
    """The integrated tree: its size, compact range (concatenated hashes) and root."""

    size: int
    compact_range: bytes
    root: bytes


class LogStorage(Protocol):
    """What the log engine needs from a storage backend. All methods are blocking."""

    def init_meta(self, defaults: Mapping[str, str]) -> dict[str, str]:
        """Store each default that is not set yet; return every stored value."""
        ...

    def sequenced_size(self) -> int:
        """Number of entries durably sequenced."""
        ...

    def sequence(self, entries: Sequence[SequencedEntry]) -> None:
        """Write a batch atomically. ``entries[0].index`` must equal ``sequenced_size()``.

        Leaf hashes are unique in a log, checked atomically with the write: raises
        DuplicateLeafError (with the existing indexes) if any is already present, and
        StorageError if another writer sequenced first; nothing is written then.
        """
        ...

    def find_leaf_hashes(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        """Index of each of these leaf hashes that is in the log."""
        ...

    def read_entries(self, start: int, end: int) -> list[StoredEntry]:
        """Entries with ``start <= index < end`` that exist, in order."""
        ...

    def read_leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """Leaf hashes of entries ``start <= index < end``."""
        ...

    def search(self, keys: Sequence[str], *, match_all: bool, limit: int) -> list[int]:
        """Indexes of entries having all (``match_all``) or any of the keys, ascending."""
        ...

    def tree_state(self) -> TreeState:
        """The last integrated state (size 0 for a new log)."""
        ...

    def read_tile(self, level: int, index: int) -> bytes | None:
        """Stored bytes of a tile (full, or the partial right-edge prefix), or None."""
        ...

    def integrate(
        self, old_size: int, state: TreeState, tiles: Mapping[tuple[int, int], bytes]
    ) -> None:
        """Write tiles and the new state atomically if the stored size is still ``old_size``."""
        ...

    def put_checkpoint(self, size: int, note: str) -> None:
        """Store the signed checkpoint for ``size`` (idempotent)."""
        ...

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The signed checkpoint with the largest size, if any."""
        ...

    def checkpoint_at(self, size: int) -> str | None:
        """The signed checkpoint published at exactly ``size``, if any."""
        ...

    def checkpoints(self) -> list[tuple[int, str]]:
        """Every stored checkpoint, by size."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
