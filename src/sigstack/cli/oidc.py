"""``sigstack oidc token``: mint a development identity token, no browser involved.

The issuer URL and key come from the data directory, where ``sigstack serve
oidc`` remembered them on its first start, so the token is one the CA accepts
for that issuer. ``--issuer`` mints under another URL (not remembered).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sigstack.cli._common import default_data_dir
from sigstack.clock import utc_now
from sigstack.services.oidc import ProviderSettings, open_provider

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``oidc`` command group."""
    oidc = commands.add_parser("oidc", help="development identity tokens")
    sub = oidc.add_subparsers(dest="oidc_command", metavar="COMMAND", required=True)
    token = sub.add_parser(
        "token", help="print a signed ID token for an email (for scripts and tests)"
    )
    token.add_argument("--email", required=True, help="identity to sign as, e.g. alice@example.com")
    token.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="state directory (default $SIGSTACK_HOME or ~/.sigstack)",
    )
    token.add_argument(
        "--issuer",
        default=None,
        help="issuer URL (default: the one `sigstack serve oidc` remembered in the data dir)",
    )
    token.add_argument("--audience", default="sigstore", help="aud claim (default sigstore)")
    token.add_argument("--nonce", default=None, help="nonce claim (OIDC Core §3.1.2.1)")
    token.add_argument(
        "--lifetime",
        type=int,
        default=ProviderSettings().token_lifetime,
        help="seconds until exp (default 600)",
    )
    token.set_defaults(handler=_token)


def _token(args: argparse.Namespace) -> int:
    provider = open_provider(
        args.data_dir or default_data_dir(),
        utc_now,
        issuer=args.issuer,
        settings=ProviderSettings(token_lifetime=args.lifetime),
        remember=False,
    )
    print(provider.mint(args.email, nonce=args.nonce, audience=args.audience))
    return 0
