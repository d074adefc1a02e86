"""Entry validation (parsing and signature checks) off the event loop, in worker processes.

Checking an entry's signature is the most expensive step of a write, and
pyca/cryptography holds the GIL while it verifies, so threads cannot spread it
over cores. :class:`EntryValidator` sends requests to a pool of worker
processes in batches that grow with load: while every worker is busy, new
requests accumulate, and the next free worker takes all of them (up to
``max_batch``) in one round trip. With ``workers=0`` it validates inline.

Errors cross the process boundary as (class name, message, field) and are
rebuilt as the same sigstack error, so the HTTP answer is identical either way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from sigstack import errors
from sigstack.core.tlog.entries import (
    CanonicalEntry,
    parse_create_entry_request_v2,
    parse_proposed_entry_v1,
)

__all__ = ["EntryValidator"]

_PARSERS: dict[int, Callable[[bytes], CanonicalEntry]] = {
    1: parse_proposed_entry_v1,
    2: parse_create_entry_request_v2,
}

_Outcome = CanonicalEntry | tuple[str, str, str | None]


def _validate_batch(items: list[tuple[int, bytes]]) -> list[_Outcome]:
    """Worker side: parse each (api version, body); errors become (class, message, field)."""
    out: list[_Outcome] = []
    for version, body in items:
        try:
            out.append(_PARSERS[version](body))
        except errors.Error as exc:
            out.append((type(exc).__name__, exc.message, exc.field))
    return out


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the server process is gone, even after ``kill -9``
    (a killed parent cannot shut its pool down, and the worker would linger forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _rebuild(outcome: tuple[str, str, str | None]) -> errors.Error:
    name, message, field = outcome
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.Error)):
        cls = errors.FormatError
    try:
        return cls(message, field=field)
    except TypeError:  # an error class with another signature: keep the status family
        return errors.FormatError(message, field=field)


class EntryValidator:
    """Validates Rekor v1/v2 request bodies, inline or in ``workers`` processes."""

    def __init__(self, workers: int, *, max_batch: int = 128) -> None:
        self._workers = workers
        self._max_batch = max_batch
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[int, bytes, asyncio.Future[CanonicalEntry]]] = []
        self._busy = 0

    async def start(self) -> None:
        """Start the worker processes (spawned: the server has threads; fork is unsafe)."""
        if self._workers > 0:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
            # Warm every worker so the first requests do not pay for imports.
            loop = asyncio.get_running_loop()
            await asyncio.gather(
                *(
                    loop.run_in_executor(self._pool, _validate_batch, [])
                    for _ in range(self._workers)
                )
            )

    async def stop(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def validate(self, api_version: int, body: bytes) -> CanonicalEntry:
        """The canonical entry for ``body``, or the sigstack error explaining why not."""
        if self._pool is None:
            return _PARSERS[api_version](body)
        future: asyncio.Future[CanonicalEntry] = asyncio.get_running_loop().create_future()
        self._queue.append((api_version, body, future))
        if self._busy < self._workers:
            self._dispatch()
        return await future

    def _dispatch(self) -> None:
        if not self._queue or self._pool is None:
            return
        batch = self._queue[: self._max_batch]
        del self._queue[: len(batch)]
        self._busy += 1
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(self._pool, _validate_batch, [(v, b) for v, b, _ in batch])
        task.add_done_callback(lambda done: self._finish(batch, done))

    def _finish(
        self,
        batch: list[tuple[int, bytes, asyncio.Future[CanonicalEntry]]],
        done: asyncio.Future[list[_Outcome]],
    ) -> None:
        self._busy -= 1
        exc = done.exception() if not done.cancelled() else asyncio.CancelledError()
        for i, (_, _, future) in enumerate(batch):
            if future.done():
                continue
            if exc is not None:
                future.set_exception(exc)
                continue
            outcome = done.result()[i]
            if isinstance(outcome, CanonicalEntry):
                future.set_result(outcome)
            else:
                future.set_exception(_rebuild(outcome))
        self._dispatch()
