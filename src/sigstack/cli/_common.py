"""Things every command reads the same way, once, at the edge."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

__all__ = ["add_server_arguments", "configure_logging", "default_data_dir", "run_server"]


def default_data_dir() -> Path:
    """``$SIGSTACK_HOME``, else ``~/.sigstack``."""
    home = os.environ.get("SIGSTACK_HOME")
    return Path(home) if home else Path.home() / ".sigstack"


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every ``serve`` command shares: --data-dir, --host, --port, --log-level."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="state directory (default $SIGSTACK_HOME or ~/.sigstack)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    parser.add_argument("--log-level", default="info", help="debug, info, warning or error")


def configure_logging(level: str) -> None:
    """One log format for every service."""
    import logging  # servers only: client commands start without it

    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")


def run_server(app: Any, args: argparse.Namespace) -> int:
    """Serve ``app`` with uvicorn until SIGINT/SIGTERM, then shut down gracefully."""
    import uvicorn

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        http="httptools",
        loop="uvloop",
        timeout_graceful_shutdown=10,
    )
    return 0
