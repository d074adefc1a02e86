"""Entry point of the ``sigstack`` command: build the parser, dispatch, map errors to exit codes.

Each subcommand module exposes ``register(subparsers)``; its handler returns an
exit status. One ``except Error`` turns every refusal into one clear line on
stderr and exit status 1 (sigstore-python's ``_cli.py`` habit).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sigstack import __version__
from sigstack.cli import blob, oidc, rotate, serve, trust, up
from sigstack.cli import log as log_cmd
from sigstack.errors import Error

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The full ``sigstack`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="sigstack", description="A whole private Sigstore in one Python package."
    )
    parser.add_argument("--version", action="version", version=f"sigstack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve.register(commands)
    log_cmd.register(commands)
    oidc.register(commands)
    up.register(commands)
    rotate.register(commands)
    trust.register(commands)
    blob.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except Error as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status
