"""The certificate authority service: Fulcio's HTTP API and its CT log in one ASGI app.

Routes (ca-tsa-oidc-tuf.md §1; sigstore-clients.md §4.3), at the root of
host:port because sigstore-python drops any path from the CA URL:

* ``POST /api/v2/signingCert`` → ``{"signedCertificateEmbeddedSct": {"chain":
  {"certificates": [leaf PEM, intermediate PEM, root PEM]}}}``
* ``GET /api/v2/trustBundle`` → ``{"chains": [{"certificates": [...]}]}``
* ``GET /api/v2/configuration`` → ``{"issuers": [...]}``
* ``GET /api/v1/rootCert`` → the chain as PEM (``application/pem-certificate-chain``)
* ``GET /healthz``; the RFC 6962 CT log under ``/ct/v1``.

``open_ca`` does the I/O (keys, CT log files, HTTP client); ``create_app`` only
wires routes and the lifespan that starts and stops the CT log.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sigstack.core.oidc.issuers import IssuerRegistry
from sigstack.services._asgi import exception_handlers, json_response, read_json
from sigstack.services.ca.configuration import configuration_document
from sigstack.services.ca.issuer import CertificateAuthority
from sigstack.services.ca.jwks import JWKSCache
from sigstack.services.ca.keys import CAKeySource
from sigstack.services.ca.settings import CASettings
from sigstack.services.ca.steps import IssuerState
from sigstack.services.ca.workers import CryptoPool
from sigstack.services.ctlog import CTLog, CTLogSettings, ctlog_routes, open_ctlog

__all__ = ["CAService", "create_app", "open_ca"]


@dataclass(frozen=True)
class CAService:
    """The CA and the CT log it writes to, served together."""

    ca: CertificateAuthority
    ctlog: CTLog


def open_ca(
    data_dir: Path,
    *,
    key_source: CAKeySource,
    registry: IssuerRegistry,
    settings: CASettings,
    ctlog_settings: CTLogSettings,
    clock: Callable[[], datetime],
    http_client: httpx.AsyncClient | None = None,
    synchronous: str = "FULL",
) -> CAService:
    """Load the CA key and chain, open the CT log (accepting chains to our root) and wire the CA.

    ``http_client`` reaches the OIDC issuers (tests pass one over a MockTransport). The
    CT log keeps its key in ``data_dir/keys/ctlog.pem`` and its tree in ``data_dir/ctlog.db``.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    key, chain = key_source.load()
    ctlog = open_ctlog(
        data_dir,
        accepted_roots=[chain[-1]],
        settings=ctlog_settings,
        clock=clock,
        synchronous=synchronous,
    )
    client = http_client or httpx.AsyncClient(timeout=settings.issuer_timeout)
    jwks = JWKSCache(
        client, ttl=settings.jwks_ttl, min_refresh_interval=settings.jwks_min_refresh_interval
    )
    ca = CertificateAuthority(
        chain=chain,
        registry=registry,
        jwks=jwks,
        ctlog=ctlog,
        pool=CryptoPool(IssuerState(key, chain[0], registry), settings.workers),
        settings=settings,
        clock=clock,
    )
    return CAService(ca, ctlog)


def _pem(der: bytes) -> str:
    """PEM of a DER certificate, without parsing it again (RFC 7468 §2: 64-column base64)."""
    b64 = base64.b64encode(der).decode()
    lines = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


def create_app(service: CAService) -> Starlette:
    """The ASGI app; the lifespan starts the CT log and, on the way out, drains it."""
    ca = service.ca

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ca.pool.start()
        await service.ctlog.start()
        try:
            yield
        finally:
            await service.ctlog.stop()
            await ca.pool.stop()
            await ca.jwks.aclose()

    async def signing_cert(request: Request) -> Response:
        body = await read_json(request, ca.settings.max_request_bytes)
        leaf = await ca.issue(body, request.headers.get("authorization"))
        pems = [_pem(leaf), *ca.chain_pem]
        return json_response({"signedCertificateEmbeddedSct": {"chain": {"certificates": pems}}})

    async def trust_bundle(request: Request) -> Response:
        return json_response({"chains": [{"certificates": ca.chain_pem}]})

    async def configuration(request: Request) -> Response:
        return json_response(configuration_document(ca.registry))

    async def root_cert(request: Request) -> Response:
        return Response("".join(ca.chain_pem), media_type="application/pem-certificate-chain")

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    routes: list[BaseRoute] = [
        Route("/api/v2/signingCert", signing_cert, methods=["POST"]),
        Route("/api/v2/trustBundle", trust_bundle, methods=["GET"]),
        Route("/api/v2/configuration", configuration, methods=["GET"]),
        Route("/api/v1/rootCert", root_cert, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *ctlog_routes(service.ctlog),  # already under /ct/v1
    ]
    # Fulcio's cors.Default(): any origin, simple methods and headers (§1.1), so that
    # sigstore-js can ask for a certificate from a browser.
    cors = Middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "HEAD"],
        allow_headers=["Origin", "Accept", "Content-Type", "X-Requested-With"],
    )
    return Starlette(
        routes=routes,
        middleware=[cors],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
