"""Opening the whole stack on ONE data directory, and its trust files (ARCHITECTURE §1).

``open_stack`` opens every service (both logs, the CA with its CT log, the TSA and the
development OIDC issuer, which the CA trusts), then the trust material clients need:

* ``stack.json``: the base URL and creation time, fixed on first start. They set every
  ``validFor.start``, so the same keys always render the same trust files.
* ``tuf/``: the TUF repository (``tuf/root.json`` bootstraps clients) publishing
  ``trusted_root.json`` and ``signing_config.v0.2.json`` (ca-tsa-oidc-tuf.md §11.2).
* ``trust_config.json`` (ClientTrustConfig, for ``sigstore --trust-config``),
  ``trusted_root.json``, ``signing_config.json`` and its copy ``signing_config.v0.2.json``
  (the TUF target name, ca-tsa-oidc-tuf.md §11.3). Rendered on every start from the
  keys and ``trust_history.json`` (``sigstack rotate``), deterministically: a restart
  without rotation leaves them byte for byte as they were.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sigstack.core.oidc.issuers import IssuerConfig, IssuerRegistry, IssuerType
from sigstack.core.trust import ClientTrustConfig, render, rfc3339
from sigstack.core.trust.build import signing_config
from sigstack.errors import FormatError, StorageError
from sigstack.services.ca.app import CAService, open_ca
from sigstack.services.ca.keys import GeneratedKeySource
from sigstack.services.ca.settings import CASettings
from sigstack.services.ctlog import CTLogSettings
from sigstack.services.oidc import Provider, ProviderSettings, open_provider
from sigstack.services.stack.render import CurrentKeys, trusted_root_of
from sigstack.services.stack.rotation import generation_of, load_history
from sigstack.services.tlog.app import RekorLogs, open_logs
from sigstack.services.tlog.settings import LogSettings
from sigstack.services.tsa.authority import TimestampAuthority, open_authority
from sigstack.services.tuf import TufRepository, open_repository

__all__ = ["TRUST_FILES", "Stack", "StackSettings", "open_stack"]

#: Files written into the data directory, in the order ``sigstack up`` lists them.
TRUST_FILES = (
    "trust_config.json",
    "trusted_root.json",
    "signing_config.json",
    "signing_config.v0.2.json",
)


@dataclass(frozen=True)
class StackSettings:
    """The settings of every service of the stack (defaults: each service's own)."""

    log: LogSettings = field(default_factory=LogSettings)
    ca: CASettings = field(default_factory=CASettings)
    ctlog: CTLogSettings = field(default_factory=CTLogSettings)
    oidc: ProviderSettings = field(default_factory=ProviderSettings)
    #: SQLite durability of the three logs: FULL survives power loss.
    synchronous: str = "FULL"
    #: ``operator`` of every service in the signing config and trusted root.
    operator: str = "sigstack"


@dataclass
class Stack:
    """Every service of ``sigstack up``, opened on one data directory."""

    data_dir: Path
    base_url: str
    logs: RekorLogs
    ca: CAService
    tsa: TimestampAuthority
    oidc: Provider
    #: The TUF repository publishing :meth:`trust_targets`, served at ``/tuf``.
    tuf: TufRepository | None = None

    @property
    def issuer(self) -> str:
        """The development OIDC issuer URL (``BASE/oidc``), which the CA trusts."""
        return self.oidc.issuer

    def trust_file(self, name: str) -> Path:
        """Where trust file ``name`` lives."""
        return self.data_dir / name

    def trust_targets(self) -> dict[str, bytes]:
        """The TUF target files (ca-tsa-oidc-tuf.md §11.3), as on disk."""
        return {
            name: self.trust_file(name).read_bytes()
            for name in ("trusted_root.json", "signing_config.v0.2.json")
        }


def _stack_state(data_dir: Path, base_url: str, now: datetime) -> datetime:
    """The creation time from ``stack.json`` (written on first start); check the base URL."""
    path = data_dir / "stack.json"
    if path.exists():
        try:
            state = json.loads(path.read_text())
            created = datetime.fromisoformat(state["createdAt"].replace("Z", "+00:00"))
            remembered = str(state["baseUrl"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        if remembered != base_url:
            raise FormatError(
                f"{data_dir} holds a stack created for {remembered}: its keys, log names and "
                f"trust files name that address, not {base_url}. Start it with the same "
                "--host and --port, or use another --data-dir"
            )
        return created
    state = {"baseUrl": base_url, "createdAt": rfc3339(now)}
    _write(path, (json.dumps(state, indent=2) + "\n").encode())
    return datetime.fromisoformat(state["createdAt"].replace("Z", "+00:00"))


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_bytes(data)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc}") from exc


def _issuer_client(oidc_app: Any, issuer: str, timeout: float) -> httpx.AsyncClient:
    """An HTTP client that reaches our own issuer in-process and any other over the network."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    # The issuer app's routes are relative to the issuer URL: mount it at the URL's path.
    local = httpx.ASGITransport(app=Starlette(routes=[Mount(urlsplit(issuer).path, oidc_app)]))
    network = httpx.AsyncHTTPTransport()
    prefix = issuer.rstrip("/") + "/"

    class _Route(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if str(request.url).startswith(prefix):
                return await local.handle_async_request(request)
            return await network.handle_async_request(request)

        async def aclose(self) -> None:
            await network.aclose()

    return httpx.AsyncClient(transport=_Route(), timeout=timeout)


def build_trust_config(stack: Stack, start: datetime, operator: str) -> ClientTrustConfig:
    """The ClientTrustConfig of ``stack`` (sigstore-clients.md §2.6, one host:port).

    The TrustedRoot holds the current keys and every retired one from
    ``trust_history.json`` (:mod:`sigstack.services.stack.render`).
    """
    base = stack.base_url
    v1, v2 = stack.logs.v1.identity, stack.logs.v2.identity
    keys = CurrentKeys(
        rekor_v1=v1.public_key_pem,
        rekor_v2=v2.public_key_pem,
        rekor_v2_origin=v2.origin,
        ca_chain=stack.ca.ca.chain,
        ctlog=stack.ca.ctlog.log.identity.public_key_pem,
        tsa_chain=stack.tsa.chain,
    )
    root = trusted_root_of(base, keys, start, load_history(stack.data_dir), operator)
    config = signing_config(
        ca_url=base,
        oidc_url=stack.issuer,
        rekor_urls=[(base, 2), (base, 1)],
        tsa_url=f"{base}/api/v1/timestamp",
        start=start,
        operator=operator,
    )
    return ClientTrustConfig(root, config)


def _write_trust_files(stack: Stack, start: datetime, operator: str) -> None:
    """Render the trust files from the keys and the record; write those that changed."""
    config = build_trust_config(stack, start, operator)
    rendered = {
        "trust_config.json": render(config),
        "trusted_root.json": render(config.trusted_root),
        "signing_config.json": render(config.signing_config),
        "signing_config.v0.2.json": render(config.signing_config),
    }
    for name in TRUST_FILES:
        path = stack.trust_file(name)
        if not path.exists() or path.read_bytes() != rendered[name]:
            _write(path, rendered[name])


def open_stack(
    data_dir: Path,
    *,
    host: str,
    port: int,
    clock: Callable[[], datetime],
    settings: StackSettings | None = None,
) -> Stack:
    """Open (creating on first start) every service under ``data_dir`` for ``http://HOST:PORT``.

    The log names are ``HOST:PORT``, a substring of the tlog ``baseUrl`` as sigstore-js
    requires of checkpoint signer names (sigstore-clients.md §6.5); the issuer is
    ``http://HOST:PORT/oidc``. Nothing here listens: ``create_app`` serves the result.
    """
    from sigstack.services.oidc import create_app as create_oidc_app

    settings = settings or StackSettings()
    data_dir.mkdir(parents=True, exist_ok=True)
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    base_url = f"http://{netloc}"
    start = _stack_state(data_dir, base_url, clock())
    history = load_history(data_dir)
    oidc = open_provider(data_dir, clock, issuer=f"{base_url}/oidc", settings=settings.oidc)
    registry = IssuerRegistry(
        issuers={oidc.issuer: IssuerConfig(issuer_url=oidc.issuer, type=IssuerType.EMAIL)}
    )
    logs = open_logs(data_dir, netloc, settings.log, clock, synchronous=settings.synchronous)
    ca = open_ca(
        data_dir,
        key_source=GeneratedKeySource(
            data_dir / "keys",
            now=history.start_of("ca", start),
            generation=generation_of(history, "ca"),
        ),
        registry=registry,
        settings=settings.ca,
        ctlog_settings=settings.ctlog,
        clock=clock,
        http_client=_issuer_client(create_oidc_app(oidc), oidc.issuer, settings.ca.issuer_timeout),
        synchronous=settings.synchronous,
    )
    tsa_generation = generation_of(history, "tsa")
    tsa_name = "sigstack TSA" + (f" {tsa_generation}" if tsa_generation > 1 else "")
    tsa = open_authority(data_dir, clock, name=tsa_name)
    stack = Stack(data_dir, base_url, logs, ca, tsa, oidc)
    _write_trust_files(stack, start, settings.operator)
    stack.tuf = open_repository(data_dir / "tuf", clock=clock)
    stack.tuf.publish(stack.trust_targets())  # signs new metadata only if they changed
    return stack
