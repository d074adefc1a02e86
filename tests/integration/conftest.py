"""A live ``sigstack serve log`` on a free loopback port, for tests that speak HTTP to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveLog:
    """A running log server."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    port: int

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def start_log(data_dir: Path, port: int | None = None, *extra: str) -> LiveLog:
    """Start a server process and wait until it answers /healthz."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "sigstack",
        "serve",
        "log",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *extra,
    ]
    log_file = open(data_dir.parent / f"server-{port}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log_file.name}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveLog(url, data_dir, proc, port)
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not become healthy within 30 s")


@pytest.fixture
def live_log(tmp_path: Path) -> Iterator[LiveLog]:
    data = tmp_path / "data"
    data.mkdir()
    server = start_log(data)
    try:
        yield server
    finally:
        server.stop()
