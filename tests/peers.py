"""Real peer clients used as judges (installed by `make peers`, which `make test` runs).

A missing judge fails the test that needs it, with what to run: a skipped judge would
hide exactly the interoperability the test is there to prove.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PEERS = Path(os.environ.get("SIGSTACK_PEERS") or Path(__file__).resolve().parents[1] / ".peers")


def sigstore_python() -> Path:
    """The Python interpreter of the sigstore-python judge's virtual environment."""
    python = PEERS / "sigstore-python" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"the sigstore-python judge is missing at {python}: run `make peers`")
    return python
