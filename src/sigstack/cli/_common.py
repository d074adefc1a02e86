"""Things every command reads the same way, once, at the edge."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_data_dir"]


def default_data_dir() -> Path:
    """``$SIGSTACK_HOME``, else ``~/.sigstack``."""
    home = os.environ.get("SIGSTACK_HOME")
    return Path(home) if home else Path.home() / ".sigstack"
