"""Real peer clients used as judges (installed by `make peers`, which `make test` runs).

A missing judge fails the test that needs it, with what to run: a skipped judge would
hide exactly the interoperability the test is there to prove.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PEERS = Path(os.environ.get("SIGSTACK_PEERS") or Path(__file__).resolve().parents[1] / ".peers")


def sigstore_python() -> Path:
    """The Python interpreter of the sigstore-python judge's virtual environment."""
    python = PEERS / "sigstore-python" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"the sigstore-python judge is missing at {python}: run `make peers`")
    return python


def run_sigstore(
    home: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The sigstore-python judge's ``sigstore`` CLI with ``args`` (trust flags included).

    ``HOME`` is ``home`` and no ``XDG_*``/``SIGSTORE_*`` variable is passed on, so its
    caches and settings come from the test alone; output is captured as text, 120 s limit.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SIGSTORE_"))}
    env["HOME"] = str(home)
    return subprocess.run(
        [str(sigstore_python().parent / "sigstore"), *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, env=env, check=False,
    )  # fmt: skip


JS_PEER = Path(__file__).resolve().parent / "peers" / "js"


def sigstore_js() -> tuple[str, Path]:
    """``node`` and the sigstore-js judge's folder (``sign.mjs``, ``verify.mjs``).

    The npm ``sigstore`` package pinned by ``tests/peers/js/package-lock.json``, installed
    into that folder by ``make peers`` (``npm ci``).
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("the sigstore-js judge needs node (>= 20.17) on PATH: install Node.js")
    installed = JS_PEER / "node_modules" / "sigstore" / "package.json"
    if not installed.exists():
        pytest.fail(f"the sigstore-js judge is missing at {installed}: run `make peers`")
    return node, JS_PEER
