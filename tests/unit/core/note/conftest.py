"""Fixtures: fixed keys, and a loader for the sigstore-conformance cases (see ``_cases``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from ._cases import CASES, Case
from ._cases import load_case as _load_case


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    if not CASES.is_dir():
        pytest.fail(f"expected the conformance cases beside the repository at {CASES}")
    return CASES


@pytest.fixture(scope="session")
def load_case(conformance_dir: Path) -> Callable[[str], Case]:
    """``load_case(name) -> Case``, skipping (or failing under CI) without the cases."""
    return _load_case


@pytest.fixture
def log_key() -> ed25519.Ed25519PrivateKey:
    """A fixed Ed25519 key, so failures reproduce."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def witness_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


@pytest.fixture(scope="session")
def p256_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x5EED, ec.SECP256R1())
