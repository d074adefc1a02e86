"""``sigstack oidc ...``: development identity tokens."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``oidc`` command group (not yet available)."""
