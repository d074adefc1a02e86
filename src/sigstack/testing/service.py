"""Run any ``sigstack serve SERVICE`` as a real process on a free loopback port (tests).

The caller names the service, its extra flags and a path that answers 200 once it is
ready. ``server.py`` is the log's shortcut over this.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["ServiceProcess", "free_port", "start_service", "start_sigstack"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    """A running ``sigstack serve SERVICE`` process."""

    service: str
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    port: int

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (SIGTERM: a graceful shutdown) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(
    service: str,
    data_dir: Path,
    *extra: str,
    ready_path: str,
    port: int | None = None,
    output: Path | None = None,
    timeout: float = 60,
) -> ServiceProcess:
    """Start ``sigstack serve SERVICE`` on 127.0.0.1 and wait until ``ready_path`` answers 200.

    The server's output goes to ``output`` (appended) or is discarded.
    """
    return start_sigstack(
        ["serve", service], data_dir, *extra,
        name=service, ready_path=ready_path, port=port, output=output, timeout=timeout,
    )  # fmt: skip


def start_sigstack(
    command: Sequence[str],
    data_dir: Path,
    *extra: str,
    name: str,
    ready_path: str,
    port: int | None = None,
    output: Path | None = None,
    timeout: float = 60,
) -> ServiceProcess:
    """Start ``sigstack COMMAND --data-dir … --host 127.0.0.1 --port …`` and wait until ready."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "sigstack", *command, "--data-dir", str(data_dir),
        "--host", "127.0.0.1", "--port", str(port), *extra,
    ]  # fmt: skip
    sink = open(output, "ab") if output else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    label = "sigstack " + " ".join(command)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            where = f"; see {output}" if output else ""
            raise RuntimeError(f"{label} exited with {proc.returncode}{where}")
        try:
            if httpx.get(url + ready_path, timeout=1).status_code == 200:
                return ServiceProcess(name, url, data_dir, proc, port)
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"{label} did not answer {ready_path} within {timeout} s")
