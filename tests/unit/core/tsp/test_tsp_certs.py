"""The TSA chain's validity windows (RFC 5280 §4.1.2.5) and the leaf profile's limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.tsp.certs import build_tsa_chain, build_tsa_leaf, tsa_name
from sigstack.errors import FormatError

from .conftest import NOW


def test_fractional_not_before_is_truncated_consistently() -> None:
    """A clock with microseconds must not make the leaf outlive its issuer by a fraction."""
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    leaf, intermediate, root = build_tsa_chain(
        root_key=keys[0], intermediate_key=keys[1], leaf_key=keys[2], name="t",
        not_before=NOW + timedelta(microseconds=559250), validity=timedelta(days=10),
    )  # fmt: skip
    assert leaf.not_valid_before_utc == NOW
    assert leaf.not_valid_after_utc == intermediate.not_valid_after_utc == root.not_valid_after_utc


def test_leaf_may_not_outlive_its_issuer() -> None:
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    _, intermediate, _ = build_tsa_chain(
        root_key=keys[0], intermediate_key=keys[1], leaf_key=keys[2], name="t",
        not_before=NOW, validity=timedelta(days=10),
    )  # fmt: skip
    with pytest.raises(FormatError, match="after the issuer's"):
        build_tsa_leaf(
            keys[2].public_key(), tsa_name("late"), issuer=intermediate, issuer_key=keys[1],
            not_before=NOW + timedelta(days=1), validity=timedelta(days=10),
        )  # fmt: skip
