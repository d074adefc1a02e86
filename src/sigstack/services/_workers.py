"""Pure, CPU-heavy request work in worker processes, batched as load grows (docs/adr/0003).

pyca/cryptography holds the GIL while it signs or verifies, so threads cannot spread
that work over cores. :class:`BatchingPool` runs a module-level ``run_batch(items)``
function in spawned worker processes: while every worker is busy, items accumulate, and
the next free worker takes all of them (up to ``max_batch``) in one round trip. With
``workers=0`` every item runs inline, in the event loop.

``run_batch`` returns one :data:`Outcome` per item: ``(True, value)``, or
``(False, error_detail(exc))`` for a sigstack error, which :meth:`BatchingPool.run`
raises again as the same error class, so answers are identical in both modes.

Workers are spawned (the server has threads: fork is unsafe) and leave when the
server process is gone, even after ``kill -9`` (:func:`exit_with_parent`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sigstack import errors

__all__ = ["BatchingPool", "ErrorDetail", "Outcome", "error_detail", "exit_with_parent"]

#: (class name, message, field, extra attributes) of a sigstack error.
ErrorDetail = tuple[str, str, str | None, dict[str, Any]]
#: What ``run_batch`` returns per item.
Outcome = tuple[bool, Any]


def error_detail(exc: errors.Error) -> ErrorDetail:
    """A picklable description of ``exc`` (with a ``kid``, if it has one)."""
    kid = getattr(exc, "kid", None)
    extra = {"kid": kid} if isinstance(kid, str) else {}
    return type(exc).__name__, exc.message, exc.field, extra


def rebuild_error(detail: ErrorDetail, classes: dict[str, type[errors.Error]]) -> errors.Error:
    """The sigstack error ``detail`` describes; FormatError when its class is unknown."""
    name, message, field, extra = detail
    cls = classes.get(name) or getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.Error)):
        cls = errors.FormatError
    for kwargs in ({"field": field, **extra}, extra):  # some errors take no field (kid only)
        try:
            return cls(message, **kwargs)
        except TypeError:
            continue
    return errors.FormatError(message, field=field)  # an unknown signature: keep the text


def exit_with_parent(parent: int) -> None:
    """In a worker: exit when ``parent`` is no longer our parent (it died, even by kill -9)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _default_initializer(parent: int) -> None:
    exit_with_parent(parent)


class BatchingPool:
    """Runs ``run_batch`` inline or in ``workers`` processes, batching while they are busy.

    ``initializer(parent_pid, *initargs)`` runs once in each worker; it must call
    :func:`exit_with_parent` (the default initializer does nothing else).
    """

    def __init__(
        self,
        run_batch: Callable[[list[Any]], list[Outcome]],
        workers: int,
        *,
        max_batch: int = 128,
        initializer: Callable[..., None] = _default_initializer,
        initargs: Sequence[Any] = (),
        error_classes: dict[str, type[errors.Error]] | None = None,
    ) -> None:
        self._run_batch = run_batch
        self._workers = max(0, workers)
        self._max_batch = max_batch
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._classes = error_classes or {}
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[Any, asyncio.Future[Outcome]]] = []
        self._busy = 0

    async def start(self) -> None:
        """Start and warm the workers (so the first requests do not pay for imports)."""
        if self._workers == 0:
            return
        self._pool = ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=self._initializer,
            initargs=(os.getpid(), *self._initargs),
        )
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, self._run_batch, []) for _ in range(self._workers))
        )

    async def stop(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def run(self, item: Any) -> Any:
        """The value ``run_batch`` produced for ``item``, or the sigstack error it raised."""
        if self._pool is None:
            (outcome,) = self._run_batch([item])
        else:
            future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            self._queue.append((item, future))
            if self._busy < self._workers:
                self._dispatch()
            outcome = await future
        ok, value = outcome
        if not ok:
            raise rebuild_error(value, self._classes)
        return value

    def _dispatch(self) -> None:
        if not self._queue or self._pool is None:
            return
        batch = self._queue[: self._max_batch]
        del self._queue[: len(batch)]
        self._busy += 1
        task = asyncio.get_running_loop().run_in_executor(
            self._pool, self._run_batch, [item for item, _ in batch]
        )
        task.add_done_callback(lambda done: self._finish(batch, done))

    def _finish(
        self,
        batch: list[tuple[Any, asyncio.Future[Outcome]]],
        done: asyncio.Future[list[Outcome]],
    ) -> None:
        self._busy -= 1
        exc = done.exception() if not done.cancelled() else asyncio.CancelledError()
        for i, (_, future) in enumerate(batch):
            if future.done():  # the client went away
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(done.result()[i])
        self._dispatch()
