"""How the signing commands obtain an identity token (sigstore-clients.md §8.1).

In order, the first that gives a token wins:

1. ``--identity-token JWT``;
2. ``$SIGSTORE_IDENTITY_TOKEN``;
3. ambient CI credentials (GitHub Actions, GitLab's ``SIGSTORE_ID_TOKEN``,
   Buildkite, Google Cloud, CircleCI), unless ``--oidc-disable-ambient-providers``;
4. an interactive sign-in with ``--oidc-issuer`` (default: the signing config's
   identity provider): the browser (authorization code + PKCE, loopback
   redirect), or the device flow with ``--oauth-force-oob`` or when no browser
   can be opened. Only when standard input is a terminal: without a person to
   sign in, the command fails at once rather than wait.

Every token is sanity-checked (not expired, ``aud`` containing the client id)
before anything is signed. Every signing command (``sign-blob``, …) gets its
token through :func:`identity_token`.
"""

from __future__ import annotations

import argparse
import os
import sys

from sigstack.clock import utc_now
from sigstack.core.oidc.identity_token import DEFAULT_CLIENT_ID, check_identity_token

# The sign-in flows (sigstack.sign.identity: the `id` package, httpx, http.server,
# webbrowser) are imported only when no token was given: with a token in hand the
# signing commands are start-up bound (docs/benchmarks.md).

__all__ = ["add_identity_arguments", "identity_token"]


def add_identity_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that choose how to obtain the token."""
    group = parser.add_argument_group("identity token (first found wins, in this order)")
    group.add_argument("--identity-token", help="OIDC JWT (default $SIGSTORE_IDENTITY_TOKEN)")
    group.add_argument(
        "--oidc-disable-ambient-providers",
        action="store_true",
        help="do not look for CI credentials (GitHub Actions, GitLab, Buildkite, GCP, CircleCI)",
    )
    group.add_argument(
        "--oidc-issuer",
        metavar="URL",
        help="issuer for an interactive sign-in (default: the signing config's oidcUrls)",
    )
    group.add_argument(
        "--oidc-client-id",
        default=DEFAULT_CLIENT_ID,
        help=f"OAuth client id, also the token audience required (default {DEFAULT_CLIENT_ID})",
    )
    group.add_argument("--oidc-client-secret", default="", help="OAuth client secret (optional)")
    group.add_argument(
        "--oauth-force-oob",
        action="store_true",
        help="sign in with the device flow (a code to type elsewhere) instead of a browser",
    )


def identity_token(args: argparse.Namespace, *, issuer_default: str | None = None) -> str:
    """The identity token to sign with; raise :class:`~sigstack.errors.AuthenticationError`.

    ``issuer_default`` is the signing context's identity provider, used when
    ``--oidc-issuer`` is not given.
    """
    client_id: str = args.oidc_client_id
    explicit: str | None = args.identity_token or os.environ.get("SIGSTORE_IDENTITY_TOKEN")
    if explicit:
        token = explicit.strip()
        check_identity_token(token, audience=client_id, now=utc_now())
        return token
    from sigstack.sign.identity import get_identity_token

    return get_identity_token(
        args.oidc_issuer or issuer_default,
        client_id=client_id,
        client_secret=args.oidc_client_secret,
        ambient=not args.oidc_disable_ambient_providers,
        interactive=sys.stdin is not None and sys.stdin.isatty(),
        force_device=args.oauth_force_oob,
    )
