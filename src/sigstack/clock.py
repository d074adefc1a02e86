"""The wall clock, for the shell layers (servers, CLI) to pass down as a parameter.

Nothing in ``core`` calls this: time there is always an argument
(ARCHITECTURE §2 rule 2).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)  # noqa: TID251 - the one sanctioned wall-clock read
