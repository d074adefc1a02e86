"""Run ``sigstack serve log`` as a real process on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

from pathlib import Path

from sigstack.testing.service import ServiceProcess, free_port, start_service

__all__ = ["LogServer", "free_port", "start_log_server"]

#: A running ``sigstack serve log`` process.
LogServer = ServiceProcess


def start_log_server(
    data_dir: Path,
    port: int | None = None,
    *extra: str,
    output: Path | None = None,
    timeout: float = 60,
) -> LogServer:
    """Start a log server on ``data_dir`` and wait until ``/healthz`` answers."""
    return start_service(
        "log", data_dir, "--log-level", "warning", *extra,
        ready_path="/healthz", port=port, output=output, timeout=timeout,
    )  # fmt: skip
