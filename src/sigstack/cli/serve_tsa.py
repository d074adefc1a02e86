"""``sigstack serve tsa``: the RFC 3161 timestamp authority."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve tsa`` (not yet available)."""
