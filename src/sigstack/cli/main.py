"""Entry point of the ``sigstack`` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    print("sigstack: no commands yet", args, file=sys.stderr)
    return 2
