"""The SCT time in milliseconds (RFC 6962 §3.2) that step 2 puts in the signed data."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.x509 import ca
from sigstack.verify import _cert
from sigstack.verify._cert import _millis


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
        (datetime(1970, 1, 1, 0, 0, 0, 999, tzinfo=UTC), 0),  # floor, not round
        (datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), 1),
        (datetime(2026, 11, 22, 6, 0, 0, 123_999, tzinfo=UTC), 1_795_327_200_123),
        (datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC), -1),
    ],
)
def test_millis(moment: datetime, expected: int) -> None:
    assert _millis(moment) == expected


def test_millis_is_the_timedelta_arithmetic_of_rfc_6962() -> None:
    start = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    for step in range(0, 5_000_000, 7_919):
        moment = start + timedelta(microseconds=step)
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        old = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
        assert _millis(moment) == old


def test_issuer_key_hash_of_store_certificates_and_of_others() -> None:
    """RFC 6962 §3.2: SHA-256 of the issuer's SPKI, whether precomputed for a trust-store
    certificate object or computed for any other certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    root = ca.build_root_ca(
        key,
        x509.Name.from_rfc4514_string("CN=r,O=o"),
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        validity=timedelta(days=1),
    )
    spki = root.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = hashlib.sha256(spki).digest()
    der = root.public_bytes(serialization.Encoding.DER)
    assert _cert._issuer_key_hash(root) == expected  # not a store object: computed
    _cert._store((der,))
    (stored,) = [c for c, _ in _cert._KEY_HASHES.values() if c == root]
    assert stored is not root
    assert _cert._issuer_key_hash(stored) == expected
