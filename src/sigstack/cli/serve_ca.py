"""``sigstack serve ca``: the certificate authority (Fulcio API) and its CT log."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(services: Any) -> None:
    """Add ``serve ca`` (not yet available)."""
