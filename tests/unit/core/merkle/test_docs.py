"""The module docstring examples run (STYLE: docs are executed)."""

from __future__ import annotations

import doctest
import importlib

import pytest

import sigstack.core.merkle

MODULES = ["", ".compact", ".integrate", ".nodes", ".proof", ".proof_builder", ".rfc6962", ".tiles"]


@pytest.mark.parametrize("suffix", MODULES)
def test_doctests(suffix: str) -> None:
    module = importlib.import_module("sigstack.core.merkle" + suffix)
    result = doctest.testmod(module, raise_on_error=False, verbose=False)
    assert result.failed == 0


def test_public_surface() -> None:
    assert sorted(sigstack.core.merkle.__all__) == sorted(
        name for name in sigstack.core.merkle.__all__ if hasattr(sigstack.core.merkle, name)
    )
    assert "integrate" in sigstack.core.merkle.__all__
