"""How the signing commands obtain an identity token (sigstore-clients.md §8.1).

``--identity-token``, else ``$SIGSTORE_IDENTITY_TOKEN``. Every signing command
(``sign-blob``, ``attest-blob``, …) gets its token through :func:`identity_token`.
"""

from __future__ import annotations

import argparse
import os

from sigstack.errors import AuthenticationError

__all__ = ["add_identity_arguments", "identity_token"]


def add_identity_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that choose how to obtain the token."""
    parser.add_argument("--identity-token", help="OIDC JWT (default $SIGSTORE_IDENTITY_TOKEN)")


def identity_token(args: argparse.Namespace) -> str:
    """The identity token to sign with; raise :class:`AuthenticationError` when there is none."""
    token: str | None = args.identity_token or os.environ.get("SIGSTORE_IDENTITY_TOKEN")
    if not token:
        raise AuthenticationError("no identity token: --identity-token or SIGSTORE_IDENTITY_TOKEN")
    return token
