"""One ASGI app for the whole stack, at the paths of ARCHITECTURE §1.

Each service keeps its own app (routes, error handlers, CORS); this one routes by path
prefix without rewriting paths, except for the issuer and TUF, mounted under ``/oidc``
and ``/tuf``:

* ``/api/v1/log…``, ``/api/v1/index…``, ``/api/v2/log…``, ``/api/v2/checkpoint``,
  ``/api/v2/tile/…``, ``/openapi.json``: the transparency log (Rekor v1 and v2);
* ``/api/v1/timestamp…``: the TSA;
* ``/oidc/…``: the development OIDC issuer; ``/tuf/…``: the TUF repository, when mounted;
* ``/healthz``, ``/metrics``: operations, over every service;
* anything else (``/api/v2/signingCert``, ``/api/v1/rootCert``, ``/ct/v1/…``): the CA and
  its CT log, at the root, since sigstore-python drops the CA URL's path
  (sigstore-clients.md §3).

Only this app gets ASGI lifespan events, so its lifespan starts every service (the
services' own lifespans never run) and, on SIGINT/SIGTERM, drains them in reverse
order: in-flight log entries complete before the logs stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from sigstack.services._asgi import exception_handlers, json_response
from sigstack.services.ca.app import create_app as create_ca_app
from sigstack.services.oidc import create_app as create_oidc_app
from sigstack.services.stack.metrics import CONTENT_TYPE, RequestCounter, render_metrics
from sigstack.services.stack.open import Stack
from sigstack.services.tlog.app import create_app as create_log_app
from sigstack.services.tsa.app import create_app as create_tsa_app
from sigstack.services.tuf import create_app as create_tuf_app

__all__ = ["classify", "create_app"]

_LOG_PREFIXES = ("/api/v1/log", "/api/v1/index", "/api/v2/log", "/api/v2/checkpoint")


def classify(path: str) -> str:
    """The service a request path belongs to (the ``service`` label of ``/metrics``)."""
    if path.startswith(("/api/v1/log", "/api/v1/index")):
        return "rekor_v1"
    if path.startswith(("/api/v2/log", "/api/v2/checkpoint", "/api/v2/tile/")):
        return "rekor_v2"
    if path.startswith("/api/v1/timestamp"):
        return "tsa"
    if path.startswith("/ct/"):
        return "ctlog"
    for prefix in ("oidc", "tuf"):
        if path == f"/{prefix}" or path.startswith(f"/{prefix}/"):
            return prefix
    if path in ("/healthz", "/metrics"):
        return "ops"
    return "ca"


def _tree_sizes(stack: Stack) -> list[tuple[str, int]]:
    return [
        ("rekor_v1", stack.logs.v1.published.size),
        ("rekor_v2", stack.logs.v2.published.size),
        ("ctlog", stack.ca.ctlog.log.published.size),
    ]


def create_app(stack: Stack) -> Any:
    """The stack's ASGI app: every service, ``/healthz``, ``/metrics`` and one lifespan."""
    log_app = create_log_app(stack.logs)
    tsa_app = create_tsa_app(stack.tsa)
    ca_app = create_ca_app(stack.ca)
    counter: RequestCounter

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as services:
            for start, stop in (
                (stack.logs.validator.start, stack.logs.validator.stop),
                (stack.logs.v1.start, stack.logs.v1.stop),
                (stack.logs.v2.start, stack.logs.v2.stop),
                (stack.ca.ca.pool.start, stack.ca.ca.pool.stop),
                (stack.ca.ctlog.start, stack.ca.ctlog.stop),
            ):
                await start()
                services.push_async_callback(stop)
            services.push_async_callback(stack.ca.ca.jwks.aclose)
            if stack.tuf is not None:  # re-sign timestamp/snapshot before they expire
                task = asyncio.create_task(stack.tuf.keep_fresh())

                async def stop_refreshing() -> None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

                services.push_async_callback(stop_refreshing)
            yield

    tuf = stack.tuf

    async def healthz(request: Request) -> Response:
        # Each value is read from a live service: a log that never started has no tree.
        try:
            sizes = dict(_tree_sizes(stack))
        except Exception as exc:  # a service that is not running
            return json_response({"status": "unavailable", "message": str(exc)}, 503)
        return json_response(
            {
                "status": "ok",
                "services": {
                    "ca": {"status": "ok", "issuers": list(stack.ca.ca.registry.issuers)},
                    "ctlog": {"status": "ok", "treeSize": sizes["ctlog"]},
                    "rekorV1": {"status": "ok", "treeSize": sizes["rekor_v1"]},
                    "rekorV2": {"status": "ok", "treeSize": sizes["rekor_v2"]},
                    "tsa": {"status": "ok"},
                    "oidc": {"status": "ok", "issuer": stack.issuer},
                    **({"tuf": {"status": "ok", **tuf.versions()}} if tuf else {}),
                },
            }
        )

    async def metrics(request: Request) -> Response:
        text = render_metrics(counter.counts, _tree_sizes(stack))
        return Response(text, media_type=CONTENT_TYPE)

    def prefix(path: str, app: Any) -> Route:
        # A Route (not a Mount) keeps the path whole, as the service's own routes expect.
        return Route(path + "{rest:path}", app)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *(prefix(p, log_app) for p in _LOG_PREFIXES),
        Route("/api/v2/tile/{rest:path}", log_app),
        Route("/openapi.json", log_app),
        prefix("/api/v1/timestamp", tsa_app),
        Mount("/oidc", create_oidc_app(stack.oidc)),
        *([Mount("/tuf", create_tuf_app(tuf))] if tuf else []),
        Mount("", ca_app),
    ]
    app = Starlette(routes=routes, exception_handlers=exception_handlers, lifespan=lifespan)
    counter = RequestCounter(app, classify)
    return counter
