"""Run ``sigstack up`` as a real process on a free loopback port (tests).

Like :func:`sigstack.testing.service.start_service`, for the one command that is not a
``serve`` subcommand. Ready when ``/healthz`` answers 200.
"""

from __future__ import annotations

from pathlib import Path

from sigstack.testing.service import ServiceProcess, start_sigstack

__all__ = ["start_stack"]


def start_stack(
    data_dir: Path,
    *extra: str,
    port: int | None = None,
    output: Path | None = None,
    timeout: float = 60,
) -> ServiceProcess:
    """Start ``sigstack up`` on 127.0.0.1; its output goes to ``output`` (appended) or nowhere."""
    return start_sigstack(
        ["up"], data_dir, *extra,
        name="up", ready_path="/healthz", port=port, output=output, timeout=timeout,
    )  # fmt: skip
