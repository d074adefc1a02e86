"""``sigstack serve tsa``: the RFC 3161 timestamp authority, with uvicorn.

Settings come from flags (and ``SIGSTACK_HOME`` for the data directory), read
here once and passed down as values.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from sigstack.cli._common import default_data_dir
from sigstack.clock import utc_now
from sigstack.services.tsa.app import create_app
from sigstack.services.tsa.authority import open_authority

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve tsa``."""
    tsa = services.add_parser("tsa", help="RFC 3161 timestamp authority")
    tsa.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="state directory (default $SIGSTACK_HOME or ~/.sigstack)",
    )
    tsa.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    tsa.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    tsa.add_argument(
        "--include-chain-in-response",
        action="store_true",
        help="embed intermediates and root after the leaf when a request sets certReq",
    )
    tsa.add_argument("--log-level", default="info")
    tsa.set_defaults(handler=_serve_tsa)


def _serve_tsa(args: argparse.Namespace) -> int:
    import uvicorn

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    data_dir = args.data_dir or default_data_dir()
    authority = open_authority(data_dir, utc_now, include_chain=args.include_chain_in_response)
    base = f"http://{args.host}:{args.port}"
    print(f"sigstack tsa serving {base} (data in {data_dir})", flush=True)
    print(f"  timestamps: {base}/api/v1/timestamp", flush=True)
    print(f"  chain:      {base}/api/v1/timestamp/certchain", flush=True)
    uvicorn.run(
        create_app(authority),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        http="httptools",
        loop="uvloop",
        timeout_graceful_shutdown=10,
    )
    return 0
