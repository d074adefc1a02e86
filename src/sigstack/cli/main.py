"""Entry point of the ``sigstack`` command: build the parser, dispatch, map errors to exit codes.

Each subcommand module exposes ``register(subparsers)``; its handler returns an
exit status. Only the module of the command being run is imported (``COMMANDS``), so
``sigstack sign-blob`` does not pay for the servers' imports; ``--help`` and an
unknown command load them all. One ``except Error`` turns every refusal into one
clear line on stderr and exit status 1 (sigstore-python's ``_cli.py`` habit).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from sigstack import __version__
from sigstack.errors import Error

__all__ = ["COMMANDS", "build_parser", "main"]

# httpx imports its optional command-line client (``httpx._main``: rich, click and pygments,
# ~40 ms) whenever those happen to be installed; sigstack never runs it. Marked absent in
# the ``sigstack`` process, httpx falls back to its stub and every client command starts
# that much sooner (docs/benchmarks.md). Library users' processes are left alone.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

#: Short-lived client commands whose process ends right after the command (see ``main``).
QUICK_EXIT = frozenset({"sign-blob", "verify-blob", "attest-blob", "verify-blob-attestation"})

#: command name → the module of ``sigstack.cli`` that registers it (in ``--help`` order).
COMMANDS: dict[str, str] = {
    "serve": "serve",
    "up": "up",
    "log": "log",
    "oidc": "oidc",
    "rotate": "rotate",
    "trust": "trust",
    "sign-blob": "blob",
    "verify-blob": "blob",
    "generate-key-pair": "keys",
    "attest-blob": "attest",
    "verify-blob-attestation": "attest",
    "sign": "image",
    "verify": "image",
    "attest": "image_attach",
    "verify-attestation": "image_attach",
    "attach": "image_attach",
    "triangulate": "image_attach",
    "tree": "image_attach",
    "trust-instance": "instance",
    "demo": "demo",
    "policy": "policy",
}


def _columns() -> int:
    """The terminal width as ``shutil.get_terminal_size`` finds it: ``$COLUMNS``, else the
    terminal of standard output, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, given the width argparse would compute: argparse imports
    ``shutil`` for it (and so ``bz2``, ``lzma``, ``fnmatch``: ~3 ms of every start)."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or _columns() - 2)


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose parsers (subcommands' too) use :class:`_HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``sigstack`` argument parser: with ``command`` (a key of :data:`COMMANDS`) only
    that command's module is imported and registered, otherwise every one."""
    parser = _Parser(prog="sigstack", description="A whole private Sigstore in one Python package.")
    parser.add_argument("--version", action="version", version=f"sigstack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in wanted:
        importlib.import_module(f"sigstack.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    quick = argv is None and args.command in QUICK_EXIT
    if quick:
        # Everything the command needs is imported: the collector's passes during the
        # command skip those ~25,000 long-lived objects (see the freeze at the end).
        gc.freeze()
    try:
        status: int = args.handler(args)
    except Error as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if quick:
        # Run as a program (console script, ``python -m sigstack``) and about to exit: move
        # every object to the collector's permanent generation, so that interpreter teardown
        # skips its full collections over the ~10^5 objects cryptography, the trust model
        # and the parsers left behind (~20 ms of a ~100 ms sign-blob; docs/benchmarks.md).
        # Nothing else changes: atexit handlers, stream flushing and the clearing of module
        # globals still run; only cyclic garbage is left for the OS to reclaim.
        gc.freeze()
    return status
