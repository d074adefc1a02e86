"""``sigstack serve oidc``: the development OIDC issuer, alone, with uvicorn.

It signs in whoever asks, so it binds to loopback only; ``--allow-remote``
lifts that with a loud warning. The issuer URL (default ``http://HOST:PORT``)
and the keys are remembered in the data directory on first start, so that
``sigstack oidc token`` mints tokens the CA accepts.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

from sigstack.cli._common import (
    add_server_arguments,
    configure_logging,
    default_data_dir,
    run_server,
)
from sigstack.clock import utc_now
from sigstack.services.oidc import ProviderSettings, create_app, open_provider
from sigstack.services.oidc.keys import ALGORITHMS

__all__ = ["is_loopback", "register"]

_WARNING = """\
WARNING: ********************************************************************
WARNING: sigstack serve oidc is listening on {host}, reachable from other machines.
WARNING: This development issuer hands out identities to ANYONE who asks: whoever
WARNING: reaches it can sign in as any email address and obtain signing certificates
WARNING: from a CA that trusts it. Never use it outside an isolated test network.
WARNING: ********************************************************************"""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names the loopback interface only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(services: Any) -> None:
    """Add ``serve oidc``."""
    oidc = services.add_parser(
        "oidc", help="development OIDC issuer (PKCE and device flows); loopback only"
    )
    add_server_arguments(oidc)
    oidc.add_argument(
        "--issuer-url",
        default=None,
        help="issuer URL put in tokens (default: the one remembered, else http://HOST:PORT)",
    )
    oidc.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (DANGEROUS: anyone who reaches it gets any identity)",
    )
    oidc.add_argument("--algorithm", choices=ALGORITHMS, default=None, help="default ES256")
    defaults = ProviderSettings()
    oidc.add_argument("--token-lifetime", type=int, default=defaults.token_lifetime, help="seconds")
    oidc.add_argument(
        "--device-interval",
        type=int,
        default=defaults.device_interval,
        help="seconds between device-flow polls",
    )
    oidc.add_argument(
        "--client-id",
        action="append",
        default=None,
        help="accepted client id, repeatable (default: sigstore)",
    )
    oidc.set_defaults(handler=_serve_oidc)


def _serve_oidc(args: argparse.Namespace) -> int:

    if not is_loopback(args.host):
        if not args.allow_remote:
            print(
                f"sigstack serve oidc: refusing to listen on {args.host}: this development "
                "issuer hands out identities to anyone who asks, so it binds to loopback only "
                "(127.0.0.1, ::1, localhost). Pass --allow-remote to override.",
                file=sys.stderr,
            )
            return 2
        print(_WARNING.format(host=args.host), file=sys.stderr, flush=True)
    configure_logging(args.log_level)
    host = f"[{args.host}]" if ":" in args.host else args.host
    # A wildcard address is no URL anyone can reach: then the issuer URL must be given.
    wildcard = args.host in ("0.0.0.0", "::", "[::]")  # noqa: S104 - compared, not bound
    default_issuer = None if wildcard else f"http://{host}:{args.port}"
    settings = ProviderSettings(
        token_lifetime=args.token_lifetime,
        device_interval=args.device_interval,
        client_ids=tuple(args.client_id or ProviderSettings().client_ids),
    )
    data_dir = args.data_dir or default_data_dir()
    provider = open_provider(
        data_dir,
        utc_now,
        issuer=args.issuer_url,
        default_issuer=default_issuer,
        algorithm=args.algorithm,
        settings=settings,
    )
    print(
        f"sigstack oidc serving http://{host}:{args.port} (data in {data_dir})\n"
        f"  issuer {provider.issuer} ({provider.signing_key.algorithm}, "
        f"kid {provider.signing_key.kid})",
        flush=True,
    )
    return run_server(create_app(provider), args)
