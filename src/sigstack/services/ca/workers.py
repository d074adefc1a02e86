"""The CPU-heavy, pure steps of issuance, off the event loop in worker processes.

Profiling ``POST /api/v2/signingCert`` (py-spy, benchmarks/bench_ca.py) showed one
core saturated while the other idled: token verification, the CSR signature
check and the two certificate signatures are pure (:mod:`~sigstack.services.ca.steps`)
and together cost about half of a request. :class:`CryptoPool` runs them in worker
processes through the shared :class:`~sigstack.services._workers.BatchingPool`
(docs/adr/0003). With ``workers=0`` every job runs inline (unit tests, small
deployments).

Two jobs per certificate: ``"prepare"`` (token → principal → key → precertificate
DER) before the CT log, ``"finalize"`` (precertificate + SCT list → final DER)
after it.

The CA key and the issuer registry reach the workers once, in the initializer
(spawned processes: the server has threads, so fork is unsafe). Errors come back as
the same sigstack error either way.
"""

from __future__ import annotations

import functools
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sigstack import errors
from sigstack.core.oidc.issuers import IssuerRegistry
from sigstack.core.oidc.tokens import UnknownKeyError
from sigstack.services._workers import BatchingPool, Outcome, error_detail, exit_with_parent
from sigstack.services.ca.steps import IssuerState, finalize, prepare

__all__ = ["CryptoPool"]

_state: list[IssuerState] = []  # set in each worker process by _init

_JOBS: dict[str, Any] = {"prepare": prepare, "finalize": finalize}


def _run_batch_with(state: IssuerState, items: list[tuple[str, tuple[Any, ...]]]) -> list[Outcome]:
    out: list[Outcome] = []
    for kind, args in items:
        try:
            out.append((True, _JOBS[kind](state, *args)))
        except errors.Error as exc:
            out.append((False, error_detail(exc)))
    return out


def _run_batch(items: list[tuple[str, tuple[Any, ...]]]) -> list[Outcome]:
    """Worker side: the jobs, with the state ``_init`` loaded in this process."""
    return _run_batch_with(_state[0], items)


def _init(parent: int, key_pem: bytes, issuer_pem: bytes, registry: IssuerRegistry) -> None:
    """Worker initializer: load the CA key once; leave when the server process is gone."""
    exit_with_parent(parent)
    key = serialization.load_pem_private_key(key_pem, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError(f"CA key of type {type(key).__name__}")  # checked when loaded
    _state[:] = [IssuerState(key, x509.load_pem_x509_certificate(issuer_pem), registry)]


def _mappingproxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _reduce_mappingproxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mappingproxy, (dict(m),)


class CryptoPool:
    """Runs the pure issuance jobs inline (``workers=0``) or in ``workers`` processes."""

    def __init__(self, state: IssuerState, workers: int, *, max_batch: int = 64) -> None:
        key_pem = state.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        issuer_pem = state.issuer.public_bytes(serialization.Encoding.PEM)
        # Inline, each pool uses its own state (several CAs may share a process in tests).
        run_batch = _run_batch if workers > 0 else functools.partial(_run_batch_with, state)
        self._pool = BatchingPool(
            run_batch,
            workers,
            max_batch=max_batch,
            initializer=_init,
            initargs=(key_pem, issuer_pem, state.registry),
            error_classes={"UnknownKeyError": UnknownKeyError},
        )

    async def start(self) -> None:
        """Start and warm the workers."""
        # The registry's read-only mappings cross to the workers as plain dicts.
        ForkingPickler.register(MappingProxyType, _reduce_mappingproxy)
        await self._pool.start()

    async def stop(self) -> None:
        """Stop the workers."""
        await self._pool.stop()

    async def run(self, kind: str, *args: Any) -> Any:
        """The result of job ``kind``, or the sigstack error it raised."""
        return await self._pool.run((kind, args))
