"""Helpers shared by integration tests against a live stack or a served app."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from sigstack.testing.service import ServiceProcess, free_port
from sigstack.testing.stack import start_stack


@dataclass
class StackState:
    """A running ``sigstack up`` (``server``), its scratch folder and the bundles made there."""

    root: Path
    server: ServiceProcess
    bundles: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # name → (file, bundle)

    @property
    def data(self) -> Path:
        return self.server.data_dir

    @property
    def issuer(self) -> str:
        return f"{self.server.url}/oidc"


def live_stack(root: Path) -> Iterator[tuple[Path, ServiceProcess]]:
    """``sigstack up`` on ``root/data`` (log in ``root/up.log``): yields ``(root, server)``,
    stops the server after; a module fixture's body is ``yield from live_stack(...)``."""
    server = start_stack(root / "data", output=root / "up.log")
    try:
        yield root, server
    finally:
        server.stop()


def run_sigstack(
    home: Path,
    *args: str,
    drop: tuple[str, ...] = ("SIGSTORE_",),
    drop_proxies: bool = False,
    env: Mapping[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[str]:
    """``python -m sigstack ARGS`` with ``SIGSTACK_HOME=home``, output captured, 120 s limit.

    Variables starting with a ``drop`` prefix (and, with ``drop_proxies``, any ``*proxy*``)
    are not passed on; ``env`` then adds or overrides variables.
    """
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(drop) and not (drop_proxies and "proxy" in k.lower())
    }
    environ |= {"SIGSTACK_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sigstack", *args],
        capture_output=True, text=True, timeout=120, env=environ, stdin=stdin,
    )  # fmt: skip


def oidc_token(data: Path, email: str) -> str:
    """A token for ``email`` from ``sigstack oidc token`` on the stack's data dir ``data``."""
    out = subprocess.run(
        [sys.executable, "-m", "sigstack", "oidc", "token", "--email", email,
         "--data-dir", str(data)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


@dataclass
class ServedApp:
    """An ASGI app run by uvicorn in a daemon thread on ``127.0.0.1:port``."""

    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_app(app: ASGIApp) -> ServedApp:
    """Start uvicorn on a free loopback port for ``app``; return once it is listening."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started, "uvicorn did not start"
    return ServedApp(port, server, thread)
