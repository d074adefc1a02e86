"""``sigstack serve SERVICE``: run one sigstack service. Each service has its own module."""

from __future__ import annotations

from typing import Any

from sigstack.cli import serve_admission, serve_ca, serve_log, serve_oidc, serve_tsa

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``serve`` and its services."""
    serve = commands.add_parser("serve", help="run a sigstack service")
    services = serve.add_subparsers(dest="service", metavar="SERVICE", required=True)
    for module in (serve_log, serve_ca, serve_tsa, serve_oidc, serve_admission):
        module.register(services)
