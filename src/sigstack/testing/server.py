"""Run ``sigstack serve log`` as a real process on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["LogServer", "free_port", "start_log_server"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LogServer:
    """A running ``sigstack serve log`` process."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    port: int

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (SIGTERM: a graceful shutdown) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def start_log_server(
    data_dir: Path,
    port: int | None = None,
    *extra: str,
    output: Path | None = None,
    timeout: float = 60,
) -> LogServer:
    """Start a server on ``data_dir`` and wait until ``/healthz`` answers.

    The server's output goes to ``output`` (appended) or is discarded.
    """
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "sigstack", "serve", "log", "--data-dir", str(data_dir),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *extra,
    ]  # fmt: skip
    sink = open(output, "ab") if output else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            where = f"; see {output}" if output else ""
            raise RuntimeError(f"sigstack serve log exited with {proc.returncode}{where}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LogServer(url, data_dir, proc, port)
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"sigstack serve log did not become healthy within {timeout} s")
