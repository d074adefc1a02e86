"""``sigstack serve log``: run the transparency log (Rekor v1 + v2 APIs) with uvicorn.

Settings come from flags (and ``SIGSTACK_HOME`` for the data directory), read
here once and passed down as values.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from sigstack.cli._common import (
    add_server_arguments,
    configure_logging,
    default_data_dir,
    run_server,
)
from sigstack.clock import utc_now
from sigstack.services.tlog.app import create_app, open_logs
from sigstack.services.tlog.settings import LogSettings

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve log``."""
    log = services.add_parser("log", help="transparency log: Rekor v1 and v2 APIs")
    add_server_arguments(log)
    log.add_argument(
        "--hostname",
        default=None,
        help="log name in checkpoint origins, set on FIRST start (default HOST:PORT)",
    )
    defaults = LogSettings()
    log.add_argument("--batch-max-size", type=int, default=defaults.batch_max_size)
    log.add_argument("--batch-max-age", type=float, default=defaults.batch_max_age, help="seconds")
    log.add_argument("--max-outstanding", type=int, default=defaults.max_outstanding)
    log.add_argument(
        "--max-entry-bytes",
        type=int,
        default=defaults.max_entry_bytes_v1,
        help="Rekor v1 body limit",
    )
    log.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="FULL survives power loss; NORMAL survives a process crash only",
    )
    log.add_argument(
        "--validation-workers",
        type=int,
        default=max(1, (os.cpu_count() or 2) - 1),
        help="processes that check entry signatures (default: cores - 1; 0 = in the event loop)",
    )
    log.set_defaults(handler=_serve_log)


def _serve_log(args: argparse.Namespace) -> int:

    configure_logging(args.log_level)
    settings = LogSettings(
        batch_max_size=args.batch_max_size,
        batch_max_age=args.batch_max_age,
        max_outstanding=args.max_outstanding,
        max_entry_bytes_v1=args.max_entry_bytes,
        validation_workers=args.validation_workers,
    )
    data_dir = args.data_dir or default_data_dir()
    hostname = args.hostname or f"{args.host}:{args.port}"
    logs = open_logs(data_dir, hostname, settings, utc_now, synchronous=args.sqlite_synchronous)
    app = create_app(logs)
    base = f"http://{args.host}:{args.port}"
    print(f"sigstack log serving http://{args.host}:{args.port} (data in {data_dir})", flush=True)
    print(
        f"  Rekor v1: {base}/api/v1/log  origin {logs.v1.identity.origin!r}",
        flush=True,
    )
    print(
        f"  Rekor v2: {base}/api/v2/checkpoint  origin {logs.v2.identity.origin!r}",
        flush=True,
    )
    return run_server(app, args)
