"""``sigstack rotate ca|log|tsa``: a new key with ``validFor.start = now``, the old one closed.

Runs against a STOPPED stack (refuses while ``sigstack up`` holds the data directory's
lock, or its ``/healthz`` answers): records the old
key's public material and window in ``trust_history.json``, generates the new key (and
chain), re-renders the trust files and republishes them through TUF. Restart
``sigstack up`` afterwards; it signs with the new key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sigstack.cli._common import default_data_dir
from sigstack.clock import utc_now
from sigstack.errors import Error, StorageError

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``rotate``."""
    rotate = commands.add_parser(
        "rotate", help="rotate the CA, log or TSA key of a stopped stack (old bundles still verify)"
    )
    rotate.add_argument("service", choices=["ca", "log", "tsa"], help="what to rotate")
    rotate.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="state directory (default $SIGSTACK_HOME or ~/.sigstack)",
    )
    rotate.set_defaults(handler=_rotate)


def _rotate(args: argparse.Namespace) -> int:
    from sigstack.services.stack.lock import lock_data_dir
    from sigstack.services.stack.rotation import stack_identity

    data_dir = (args.data_dir or default_data_dir()).resolve()
    try:
        base_url, _ = stack_identity(data_dir)
        lock = lock_data_dir(data_dir, "sigstack rotate")
    except StorageError as exc:
        print(f"sigstack rotate: {exc}", file=sys.stderr)
        return 1
    except (Error, OSError) as exc:
        raise SystemExit(f"sigstack rotate: {exc}") from exc
    with lock:
        return _rotate_locked(args, data_dir, base_url)


def _rotate_locked(args: argparse.Namespace, data_dir: Path, base_url: str) -> int:
    from sigstack.services.stack import open_stack
    from sigstack.services.stack.rotation import host_port, probe_running, retire
    from sigstack.services.tlog.storage.sqlite import SQLiteStorage

    try:
        if probe_running(base_url):
            print(
                f"sigstack rotate: the stack on {data_dir} is running ({base_url}): stop "
                "`sigstack up` first, rotate, then start it again",
                file=sys.stderr,
            )
            return 1
        origin = None
        if args.service == "log":
            origin = SQLiteStorage(data_dir / "rekor-v2.db").init_meta({})["hostname"]
        now = utc_now()
        retire(data_dir, args.service, now, origin)
        host, port = host_port(base_url)
        open_stack(data_dir, host=host, port=port, clock=utc_now)
    except (Error, OSError) as exc:
        raise SystemExit(f"sigstack rotate: {exc}") from exc
    print(
        f"sigstack rotate: new {args.service} key valid from {now:%Y-%m-%dT%H:%M:%SZ}; the old "
        f"one is kept in the trust root, closed at that time.\n"
        f"Trust files rewritten in {data_dir} and republished through TUF.\n"
        "Restart `sigstack up` on this data dir to sign with the new key; clients refresh "
        "with the new trust_config.json (or TUF).",
        flush=True,
    )
    return 0
