"""``sigstack up``: the whole private Sigstore on one port (ARCHITECTURE §1, issue #4).

Opens every service on one data directory (keys generated on first start, reused
after), writes the trust files, prints the URLs and three copy-paste commands, and
serves until SIGINT/SIGTERM, when uvicorn stops taking requests and the lifespan drains
the logs: an entry in flight either completes or was never acknowledged.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from sigstack.cli._common import (
    add_server_arguments,
    configure_logging,
    default_data_dir,
    run_server,
)
from sigstack.cli.serve_oidc import is_loopback
from sigstack.clock import utc_now
from sigstack.errors import Error

__all__ = ["banner", "register"]


def register(commands: Any) -> None:
    """Add ``up``."""
    up = commands.add_parser(
        "up", help="the whole private Sigstore on one port: CA, logs, TSA, OIDC, trust files"
    )
    add_server_arguments(up)
    up.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes for the log's and the CA's signature checks (default 0: inline)",
    )
    up.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="FULL survives power loss; NORMAL survives a process crash only",
    )
    up.set_defaults(handler=_up)


def _paths(data_dir: Path) -> str:
    return shlex.quote(str(data_dir))


def banner(base_url: str, issuer: str, data_dir: Path, tuf: bool) -> str:
    """What ``sigstack up`` prints: the services, the trust files and how to use them."""
    d = _paths(data_dir)
    config = shlex.quote(str(data_dir / "trust_config.json"))
    services = [
        ("CA (Fulcio API)", f"{base_url}/api/v2/signingCert"),
        ("CT log", f"{base_url}/ct/v1/get-sth"),
        ("Rekor v1 log", f"{base_url}/api/v1/log"),
        ("Rekor v2 log", f"{base_url}/api/v2/checkpoint"),
        ("Timestamp authority", f"{base_url}/api/v1/timestamp"),
        ("OIDC issuer (dev)", f"{issuer}/.well-known/openid-configuration"),
        *([("TUF repository", f"{base_url}/tuf")] if tuf else []),
        ("Health / metrics", f"{base_url}/healthz  {base_url}/metrics"),
    ]
    root_json = shlex.quote(str(data_dir / "tuf" / "root.json"))
    tuf_lines = (
        [f"  {data_dir / 'tuf' / 'root.json'}   TUF root, to bootstrap clients:",
         f"    sigstore --instance {base_url}/tuf trust-instance {root_json}"]
        if tuf
        else []
    )  # fmt: skip
    lines = [f"sigstack is up at {base_url}  (data in {data_dir})", ""]
    lines += [f"  {name:<21}{url}" for name, url in services]
    lines += ["", "Trust files:"]
    lines += [
        f"  {data_dir / 'trust_config.json'}   ClientTrustConfig: sigstore --trust-config",
        f"  {data_dir / 'trusted_root.json'}",
        f"  {data_dir / 'signing_config.json'}",
        *tuf_lines,
        "",
        "Try it (in another terminal):",
        f"  TOKEN=$(sigstack oidc token --email you@example.com --data-dir {d})",
        f'  sigstore --trust-config {config} sign --identity-token "$TOKEN" FILE',
        f"  sigstore --trust-config {config} verify identity --cert-identity you@example.com "
        f"--cert-oidc-issuer {issuer} --bundle FILE.sigstore.json FILE",
        "",
        "Ctrl-C stops it; the next `sigstack up` on this data dir continues the same logs.",
    ]
    return "\n".join(lines)


def _up(args: argparse.Namespace) -> int:
    from sigstack.services.ca.settings import CASettings
    from sigstack.services.stack import StackSettings, create_app, open_stack
    from sigstack.services.stack.lock import lock_data_dir
    from sigstack.services.tlog.settings import LogSettings

    if not is_loopback(args.host):
        print(
            f"sigstack up: refusing to listen on {args.host}: the development OIDC issuer "
            "hands out identities to anyone who asks, so the stack binds to loopback only "
            "(127.0.0.1, ::1, localhost)",
            file=sys.stderr,
        )
        return 2
    configure_logging(args.log_level)
    data_dir = (args.data_dir or default_data_dir()).resolve()
    settings = StackSettings(
        log=LogSettings(validation_workers=args.workers),
        ca=CASettings(workers=args.workers),
        synchronous=args.sqlite_synchronous,
    )
    try:
        lock = lock_data_dir(data_dir, "sigstack up")  # held until this process exits
        stack = open_stack(
            data_dir, host=args.host, port=args.port, clock=utc_now, settings=settings
        )
    except (Error, OSError) as exc:
        raise SystemExit(f"sigstack up: {exc}") from exc
    print(banner(stack.base_url, stack.issuer, data_dir, stack.tuf is not None), flush=True)
    with lock:
        return run_server(create_app(stack), args)
