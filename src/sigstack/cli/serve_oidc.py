"""``sigstack serve oidc``: the development OIDC issuer."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve oidc`` (not yet available)."""
