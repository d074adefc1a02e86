"""Named limits of the transparency log, with their defaults (ARCHITECTURE §2 rule 6).

Read once at the edge (``cli/serve.py``) and passed down; nothing below reads
the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LogSettings"]


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Limits and timings of one log instance."""

    #: Sequence a batch when this many entries wait (tessera default 256).
    batch_max_size: int = 256
    #: ... or when the oldest has waited this long, in seconds. 0 (the default) is group
    #: commit: the single writer starts a batch as soon as it is free, taking everything
    #: that waits. Tessera waits 250 ms to make fewer checkpoints; here every request waits
    #: for its checkpoint, so waiting only adds latency (measured in docs/benchmarks.md).
    batch_max_age: float = 0.0
    #: Refuse new entries with 503 + Retry-After when this many wait (tessera pushback 4096).
    max_outstanding: int = 4096
    #: Largest Rekor v1 request body, in bytes (413 above it).
    max_entry_bytes_v1: int = 128 * 1024
    #: Largest Rekor v2 request body, in bytes. A logged v2 body must also fit a
    #: tlog-tiles entry bundle (u16 length prefix), which this keeps well clear of.
    max_entry_bytes_v2: int = 32 * 1024
    #: Full (immutable) tiles kept in memory for proof building; 8 KiB each.
    tile_cache_size: int = 4096
    #: Most results one search returns.
    search_limit: int = 1000
    #: Worker processes that check entry signatures (0: in the event loop). The CLI
    #: defaults to one fewer than the cores, at least one.
    validation_workers: int = 1
    #: Perfect-subtree node hashes kept for proof building (immutable, ~100 B each).
    node_cache_size: int = 262144
