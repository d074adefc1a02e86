"""The CPU-heavy, pure steps of issuance, off the event loop in worker processes.

Profiling ``POST /api/v2/signingCert`` (py-spy, benchmarks/bench_ca.py) showed one
core saturated while the other idled: token verification, the CSR signature
check and the two certificate signatures are pure (:mod:`~sigstack.services.ca.steps`)
and together cost about half of a request. :class:`CryptoPool` runs them in worker
processes, batching like the log's ``EntryValidator``: while every worker is
busy, jobs accumulate and the next free worker takes all of them in one round
trip. With ``workers=0`` every job runs inline (unit tests, small deployments).

Two jobs per certificate: ``"prepare"`` (token → principal → key → precertificate
DER) before the CT log, ``"finalize"`` (precertificate + SCT list → final DER)
after it.

The CA key and the issuer registry reach the workers once, in the initializer
(spawned processes: the server has threads, so fork is unsafe). Errors cross the process
boundary as (class name, message, field, kid) and are rebuilt as the same
sigstack error, so the HTTP answer is identical either way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sigstack import errors
from sigstack.core.oidc.issuers import IssuerRegistry
from sigstack.core.oidc.tokens import UnknownKeyError
from sigstack.services.ca.steps import IssuerState, finalize, prepare

__all__ = ["CryptoPool"]

_state: list[IssuerState] = []  # set in each worker by _init, and inline by CryptoPool

_JOBS: dict[str, Any] = {"prepare": prepare, "finalize": finalize}

_Outcome = tuple[bool, Any]


def _run(kind: str, args: tuple[Any, ...]) -> _Outcome:
    try:
        return True, _JOBS[kind](_state[0], *args)
    except errors.Error as exc:
        return False, (type(exc).__name__, exc.message, exc.field, getattr(exc, "kid", None))


def _run_batch(items: list[tuple[str, tuple[Any, ...]]]) -> list[_Outcome]:
    return [_run(kind, args) for kind, args in items]


def _init(parent: int, key_pem: bytes, issuer_pem: bytes, registry: IssuerRegistry) -> None:
    """Worker initializer: load the CA key once; leave when the server process is gone."""
    key = serialization.load_pem_private_key(key_pem, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError(f"CA key of type {type(key).__name__}")  # checked when loaded
    _state[:] = [IssuerState(key, x509.load_pem_x509_certificate(issuer_pem), registry)]

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _mappingproxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _reduce_mappingproxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mappingproxy, (dict(m),)


def _rebuild(detail: tuple[str, str, str | None, str | None]) -> errors.Error:
    name, message, field, kid = detail
    if name == "UnknownKeyError" and kid is not None:
        return UnknownKeyError(message, kid=kid)
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.Error)):
        cls = errors.FormatError
    try:
        return cls(message, field=field)
    except TypeError:
        return errors.FormatError(message, field=field)


class CryptoPool:
    """Runs the pure issuance jobs inline (``workers=0``) or in ``workers`` processes."""

    def __init__(self, state: IssuerState, workers: int, *, max_batch: int = 64) -> None:
        self._key_pem = state.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._inline = state
        self._workers = workers
        self._max_batch = max_batch
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]] = []
        self._busy = 0

    async def start(self) -> None:
        """Start and warm the workers."""
        if self._workers <= 0:
            return
        issuer_pem = self._inline.issuer.public_bytes(serialization.Encoding.PEM)
        # The registry's read-only mappings cross to the workers as plain dicts.
        ForkingPickler.register(MappingProxyType, _reduce_mappingproxy)
        self._pool = ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(os.getpid(), self._key_pem, issuer_pem, self._inline.registry),
        )
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, _run_batch, []) for _ in range(self._workers))
        )

    async def stop(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def run(self, kind: str, *args: Any) -> Any:
        """The result of job ``kind``, or the sigstack error it raised."""
        if self._pool is None:
            _state[:] = [self._inline]
            ok, value = _run(kind, args)
        else:
            future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
            self._queue.append((kind, args, future))
            if self._busy < self._workers:
                self._dispatch()
            ok, value = await future
        if not ok:
            raise _rebuild(value)
        return value

    def _dispatch(self) -> None:
        if not self._queue or self._pool is None:
            return
        batch = self._queue[: self._max_batch]
        del self._queue[: len(batch)]
        self._busy += 1
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(self._pool, _run_batch, [(k, a) for k, a, _ in batch])
        task.add_done_callback(lambda done: self._finish(batch, done))

    def _finish(
        self,
        batch: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]],
        done: asyncio.Future[list[_Outcome]],
    ) -> None:
        self._busy -= 1
        exc = done.exception() if not done.cancelled() else asyncio.CancelledError()
        for i, (_, _, future) in enumerate(batch):
            if future.done():
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(done.result()[i])
        self._dispatch()
