"""Run ``sigstack up`` as a real process on a free loopback port (tests).

Like :func:`sigstack.testing.service.start_service`, for the one command that is not a
``serve`` subcommand. Ready when ``/healthz`` answers 200.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from sigstack.testing.service import ServiceProcess, free_port

__all__ = ["start_stack"]


def start_stack(
    data_dir: Path,
    *extra: str,
    port: int | None = None,
    output: Path | None = None,
    timeout: float = 60,
) -> ServiceProcess:
    """Start ``sigstack up`` on 127.0.0.1; its output goes to ``output`` (appended) or nowhere."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "sigstack", "up", "--data-dir", str(data_dir),
        "--host", "127.0.0.1", "--port", str(port), *extra,
    ]  # fmt: skip
    sink = open(output, "ab") if output else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            where = f"; see {output}" if output else ""
            raise RuntimeError(f"sigstack up exited with {proc.returncode}{where}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return ServiceProcess("up", url, data_dir, proc, port)
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"sigstack up did not answer /healthz within {timeout} s")
