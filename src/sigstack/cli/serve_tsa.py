"""``sigstack serve tsa``: the RFC 3161 timestamp authority, with uvicorn.

Settings come from flags (and ``SIGSTACK_HOME`` for the data directory), read
here once and passed down as values.
"""

from __future__ import annotations

import argparse
from typing import Any

from sigstack.cli._common import (
    add_server_arguments,
    configure_logging,
    default_data_dir,
    run_server,
)
from sigstack.clock import utc_now
from sigstack.services.tsa.app import create_app
from sigstack.services.tsa.authority import open_authority

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve tsa``."""
    tsa = services.add_parser("tsa", help="RFC 3161 timestamp authority")
    add_server_arguments(tsa)
    tsa.add_argument(
        "--include-chain-in-response",
        action="store_true",
        help="embed intermediates and root after the leaf when a request sets certReq",
    )
    tsa.set_defaults(handler=_serve_tsa)


def _serve_tsa(args: argparse.Namespace) -> int:

    configure_logging(args.log_level)
    data_dir = args.data_dir or default_data_dir()
    authority = open_authority(data_dir, utc_now, include_chain=args.include_chain_in_response)
    base = f"http://{args.host}:{args.port}"
    print(f"sigstack tsa serving {base} (data in {data_dir})", flush=True)
    print(f"  timestamps: {base}/api/v1/timestamp", flush=True)
    print(f"  chain:      {base}/api/v1/timestamp/certchain", flush=True)
    return run_server(create_app(authority), args)
