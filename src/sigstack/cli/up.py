"""``sigstack up``: the whole private Sigstore on one port."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``up`` (not yet available)."""
