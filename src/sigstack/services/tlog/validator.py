"""Entry validation (parsing and signature checks) off the event loop, in worker processes.

Checking an entry's signature is the most expensive step of a write, and
pyca/cryptography holds the GIL while it verifies, so threads cannot spread it over
cores (docs/adr/0003). :class:`EntryValidator` hands request bodies to a
:class:`~sigstack.services._workers.BatchingPool`; with ``workers=0`` it validates
inline. Errors come back as the same sigstack error either way.
"""

from __future__ import annotations

from collections.abc import Callable

from sigstack import errors
from sigstack.core.tlog.entries import (
    CanonicalEntry,
    parse_create_entry_request_v2,
    parse_proposed_entry_v1,
)
from sigstack.services._workers import BatchingPool, Outcome, error_detail

__all__ = ["EntryValidator"]

_PARSERS: dict[int, Callable[[bytes], CanonicalEntry]] = {
    1: parse_proposed_entry_v1,
    2: parse_create_entry_request_v2,
}


def _validate_batch(items: list[tuple[int, bytes]]) -> list[Outcome]:
    """Worker side: parse each (api version, body)."""
    out: list[Outcome] = []
    for version, body in items:
        try:
            out.append((True, _PARSERS[version](body)))
        except errors.Error as exc:
            out.append((False, error_detail(exc)))
    return out


class EntryValidator:
    """Validates Rekor v1/v2 request bodies, inline or in ``workers`` processes."""

    def __init__(self, workers: int, *, max_batch: int = 128) -> None:
        self._pool = BatchingPool(_validate_batch, workers, max_batch=max_batch)

    async def start(self) -> None:
        """Start the worker processes."""
        await self._pool.start()

    async def stop(self) -> None:
        """Stop the workers."""
        await self._pool.stop()

    async def validate(self, api_version: int, body: bytes) -> CanonicalEntry:
        """The canonical entry for ``body``, or the sigstack error explaining why not."""
        entry: CanonicalEntry = await self._pool.run((api_version, body))
        return entry
