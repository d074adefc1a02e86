"""Shared fixtures. Tests never touch a non-loopback network."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI") == "true"


def require_tool(name: str) -> str:
    """Path of a command-line tool; under CI a missing tool fails the test instead of skipping."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is required under CI and was not found on PATH")
        pytest.skip(f"{name} not installed")
    return path
