"""The transparency log service: two log instances (Rekor v1 and Rekor v2) in one ASGI app.

``open_logs`` does the I/O (data directory, keys, SQLite files); ``create_app``
only wires routes and the lifespan that starts and stops the write pipelines.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.services._asgi import exception_handlers, json_response
from sigstack.services._keyfiles import load_or_create_ecdsa_key, load_or_create_ed25519_key
from sigstack.services.tlog.identity import rekor_v1_identity, rekor_v2_identity
from sigstack.services.tlog.log import TransparencyLog
from sigstack.services.tlog.openapi import openapi_document
from sigstack.services.tlog.rekor_v1 import rekor_v1_routes
from sigstack.services.tlog.rekor_v2 import rekor_v2_routes
from sigstack.services.tlog.settings import LogSettings
from sigstack.services.tlog.storage.sqlite import SQLiteStorage
from sigstack.services.tlog.validator import EntryValidator

__all__ = ["RekorLogs", "create_app", "open_logs"]


@dataclass(frozen=True)
class RekorLogs:
    """The two log instances served together."""

    v1: TransparencyLog
    v2: TransparencyLog
    validator: EntryValidator


def open_logs(
    data_dir: Path,
    hostname: str,
    settings: LogSettings,
    clock: Callable[[], datetime],
    *,
    synchronous: str = "FULL",
) -> RekorLogs:
    """Open (creating on first start) both logs under ``data_dir``.

    Keys live in ``data_dir/keys`` (mode 0600); the hostname and tree ID are
    stored in each database on first start and reused, so a log keeps its
    identity across restarts even if it is later served on another port.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = data_dir / "keys"
    v1_store = SQLiteStorage(data_dir / "rekor-v1.db", synchronous=synchronous)
    meta = v1_store.init_meta(
        {"hostname": hostname, "tree_id": str(secrets.randbelow(2**63 - 1) + 1)}
    )
    v1_id = rekor_v1_identity(
        load_or_create_ecdsa_key(keys / "rekor-v1.pem"), meta["hostname"], int(meta["tree_id"])
    )
    v2_store = SQLiteStorage(data_dir / "rekor-v2.db", synchronous=synchronous)
    meta2 = v2_store.init_meta({"hostname": hostname})
    v2_id = rekor_v2_identity(load_or_create_ed25519_key(keys / "rekor-v2.pem"), meta2["hostname"])
    return RekorLogs(
        v1=TransparencyLog(v1_store, v1_id, settings, clock),
        v2=TransparencyLog(v2_store, v2_id, settings, clock),
        validator=EntryValidator(settings.validation_workers),
    )


def create_app(logs: RekorLogs) -> Starlette:
    """The ASGI app serving both logs; the lifespan starts and drains their pipelines."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await logs.validator.start()
        await logs.v1.start()
        await logs.v2.start()
        try:
            yield
        finally:
            await logs.v1.stop()
            await logs.v2.stop()
            await logs.validator.stop()

    async def healthz(request: Request) -> Response:
        return json_response(
            {
                "status": "ok",
                "rekorV1TreeSize": logs.v1.published.size,
                "rekorV2TreeSize": logs.v2.published.size,
            }
        )

    async def openapi(request: Request) -> Response:
        return json_response(openapi_document())

    routes = [
        *rekor_v1_routes(logs.v1, logs.validator),
        *rekor_v2_routes(logs.v2, logs.validator),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers=exception_handlers, lifespan=lifespan)
