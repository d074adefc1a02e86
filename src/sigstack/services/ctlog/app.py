"""Opening the CT log from a data directory, and a standalone ASGI app serving it.

``open_ctlog`` does the I/O (key file, SQLite); ``create_app`` wires the routes and a
lifespan that starts and drains the log. The stack mounts ``ctlog_routes`` itself and
calls :meth:`CTLog.start` / :meth:`CTLog.stop` from its own lifespan.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette

from sigstack.core.ct.sct import log_id_of
from sigstack.core.note.signed_note import ECDSANoteSigner
from sigstack.errors import FormatError
from sigstack.services._asgi import exception_handlers
from sigstack.services._keyfiles import load_or_create_ecdsa_key
from sigstack.services.ctlog.ctlog import CTLog
from sigstack.services.ctlog.routes import ctlog_routes
from sigstack.services.ctlog.settings import CTLogSettings
from sigstack.services.ctlog.submissions import SubmissionStore
from sigstack.services.tlog.identity import LogIdentity
from sigstack.services.tlog.log import TransparencyLog
from sigstack.services.tlog.settings import LogSettings
from sigstack.services.tlog.storage.sqlite import SQLiteStorage

__all__ = ["create_app", "ctlog_identity", "open_ctlog"]


def ctlog_identity(private_key: ec.EllipticCurvePrivateKey, origin: str) -> LogIdentity:
    """The engine-level identity: checkpoints named ``origin``, log ID = SHA-256(SPKI)."""
    public = private_key.public_key()
    return LogIdentity(
        origin=origin,
        note_signer=ECDSANoteSigner(origin, private_key),
        log_id=log_id_of(public),
        public_key_pem=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def open_ctlog(
    data_dir: Path,
    *,
    accepted_roots: Sequence[x509.Certificate],
    settings: CTLogSettings | LogSettings | None = None,
    clock: Callable[[], datetime],
    synchronous: str = "FULL",
) -> CTLog:
    """Open (creating on first start) the CT log under ``data_dir``.

    The key is ``data_dir/keys/ctlog.pem`` (ECDSA P-256, mode 0600, generated once);
    the tree and the submitted chains live in ``data_dir/ctlog.db``. The origin is
    stored on first start and reused. Call :meth:`CTLog.start` before serving.
    """
    if not accepted_roots:
        raise FormatError("a CT log needs at least one accepted root")
    if settings is None:
        settings = CTLogSettings()
    elif isinstance(settings, LogSettings):
        settings = CTLogSettings(log=settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = load_or_create_ecdsa_key(data_dir / "keys" / "ctlog.pem")
    path = data_dir / "ctlog.db"
    storage = SQLiteStorage(path, synchronous=synchronous)
    meta = storage.init_meta({"origin": settings.origin})
    log = TransparencyLog(storage, ctlog_identity(key, meta["origin"]), settings.log, clock)
    return CTLog(
        log,
        key,
        accepted_roots=accepted_roots,
        submissions=SubmissionStore(path),
        settings=settings,
        clock=clock,
    )


def create_app(ctlog: CTLog) -> Starlette:
    """A standalone app serving ``/ct/v1``; its lifespan starts and drains the log."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctlog.start()
        try:
            yield
        finally:
            await ctlog.stop()

    return Starlette(
        routes=ctlog_routes(ctlog), exception_handlers=exception_handlers, lifespan=lifespan
    )
