"""A live ``sigstack serve log`` on a free loopback port, for tests that speak HTTP to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.testing.server import LogServer, free_port, start_log_server

# Names the integration tests import.
LiveLog = LogServer
__all__ = ["LiveLog", "free_port", "live_log", "start_log"]


def start_log(data_dir: Path, port: int | None = None, *extra: str) -> LogServer:
    """Start a server whose output goes next to its data dir (kept for failure analysis)."""
    return start_log_server(data_dir, port, *extra, output=data_dir.parent / "server.log")


@pytest.fixture
def live_log(tmp_path: Path) -> Iterator[LogServer]:
    data = tmp_path / "data"
    data.mkdir()
    server = start_log(data)
    try:
        yield server
    finally:
        server.stop()
