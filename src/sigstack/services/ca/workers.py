"""The CPU-heavy, pure steps of issuance, off the event loop in worker processes.

Profiling ``POST /api/v2/signingCert`` (py-spy, benchmarks/bench_ca.py) shows one
core saturated while the other idles: token verification, the CSR signature
check and the two certificate signatures are pure functions of plain values and
together cost about half of a request. :class:`CryptoPool` runs them in worker
processes, batching like the log's ``EntryValidator``: while every worker is
busy, jobs accumulate and the next free worker takes all of them in one round
trip. With ``workers=0`` every job runs inline (unit tests, small deployments).

Jobs (each a pure function; ``now`` is a parameter):

* ``"verify"`` — ``alg`` allowed by discovery, ``verify_token``, and (CSR form)
  ``key_from_csr`` → claims, key DER;
* ``"precert"`` — ``build_precertificate`` → precertificate DER;
* ``"finalize"`` — ``finalize_certificate`` with the SCT list → final DER.

The CA key reaches the workers once, as PKCS#8 PEM in the initializer (spawned
processes: the server has threads, so fork is unsafe). Errors cross the process
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
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack import errors
from sigstack.core.oidc.tokens import UnknownKeyError, unverified_header, verify_token
from sigstack.core.x509.issuance import LeafRequest, build_precertificate, finalize_certificate
from sigstack.services.ca.possession import key_from_csr

__all__ = ["CryptoPool"]

_State = tuple[Any, x509.Certificate]  # (CA private key, issuing CA certificate)
_state: list[_State] = []  # set in each worker by _init, and inline by CryptoPool


def _der(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _verify(  # noqa: PLR0917 - a job: called with its argument tuple
    token: str,
    jwks: dict[str, Any],
    algorithms: tuple[str, ...],
    issuer: str,
    audiences: tuple[str, ...],
    now: datetime,
    leeway: timedelta,
    csr: Any,
) -> tuple[dict[str, Any], bytes | None]:
    alg = unverified_header(token).get("alg")
    if alg not in algorithms:  # go-oidc: only what discovery advertises (spec §12 item 5)
        raise errors.AuthenticationError(
            f"token algorithm (alg) {alg!r} is not allowed: issuer {issuer} signs with "
            f"{', '.join(algorithms)} (id_token_signing_alg_values_supported)"
        )
    claims = verify_token(
        token, jwks=jwks, issuer=issuer, audiences=audiences, now=now, leeway=leeway
    )
    return claims, (_der(key_from_csr(csr)) if csr is not None else None)


def _precert(  # noqa: PLR0917 - a job: called with its argument tuple
    key_der: bytes,
    san_type: str,
    san_value: str,
    extensions: dict[str, str],
    not_before: datetime,
    validity: timedelta,
) -> bytes:
    ca_key, issuer = _state[0]
    public = serialization.load_der_public_key(key_der)
    request = LeafRequest(public, san_type, san_value, extensions)  # type: ignore[arg-type]
    precert = build_precertificate(
        request, issuer=issuer, issuer_key=ca_key, not_before=not_before, validity=validity
    )
    return precert.public_bytes(serialization.Encoding.DER)


def _finalize(precert_der: bytes, sct_list: bytes) -> bytes:
    ca_key, issuer = _state[0]
    precert = x509.load_der_x509_certificate(precert_der)
    final = finalize_certificate(precert, sct_list, issuer=issuer, issuer_key=ca_key)
    return final.public_bytes(serialization.Encoding.DER)


_JOBS: dict[str, Any] = {"verify": _verify, "precert": _precert, "finalize": _finalize}

_Outcome = tuple[bool, Any]


def _run(kind: str, args: tuple[Any, ...]) -> _Outcome:
    try:
        return True, _JOBS[kind](*args)
    except errors.Error as exc:
        return False, (type(exc).__name__, exc.message, exc.field, getattr(exc, "kid", None))


def _run_batch(items: list[tuple[str, tuple[Any, ...]]]) -> list[_Outcome]:
    return [_run(kind, args) for kind, args in items]


def _init(parent: int, key_pem: bytes, issuer_pem: bytes) -> None:
    """Worker initializer: load the CA key once; leave when the server process is gone."""
    _state[:] = [
        (
            serialization.load_pem_private_key(key_pem, None),
            x509.load_pem_x509_certificate(issuer_pem),
        )
    ]

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


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

    def __init__(
        self, key: Any, issuer: x509.Certificate, workers: int, *, max_batch: int = 64
    ) -> None:
        self._key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._issuer = issuer
        self._inline: _State = (key, issuer)
        self._workers = workers
        self._max_batch = max_batch
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]] = []
        self._busy = 0

    async def start(self) -> None:
        """Start and warm the workers."""
        if self._workers <= 0:
            return
        issuer_pem = self._issuer.public_bytes(serialization.Encoding.PEM)
        self._pool = ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(os.getpid(), self._key_pem, issuer_pem),
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
