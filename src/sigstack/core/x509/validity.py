"""Validity windows: aware datetimes in, whole UTC seconds out (X.509 time has no fractions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509

from sigstack.errors import FormatError

__all__ = ["check_within_issuer", "window"]


def window(not_before: datetime, validity: timedelta) -> tuple[datetime, datetime]:
    """``(not_before, not_before + validity)`` in UTC, truncated to the second.

    Naive datetimes are refused: ``core`` takes time as a parameter and must not guess its zone.
    """
    if not_before.tzinfo is None or not_before.utcoffset() is None:
        raise FormatError("not_before must be timezone-aware", field="not_before")
    if validity <= timedelta(0):
        raise FormatError("validity must be positive", field="validity")
    start = not_before.astimezone(UTC).replace(microsecond=0)
    return start, start + validity


def check_within_issuer(not_after: datetime, issuer: x509.Certificate) -> None:
    """Refuse to issue past the issuer's own ``notAfter`` (§2.2: lifetime ≤ parent).

    A certificate outliving its issuer cannot be verified at the end of its life: clients validate
    the whole chain at the verification time (sigstore-clients.md §4.5, "Leaf validity").
    """
    if not_after > issuer.not_valid_after_utc:
        raise FormatError(
            f"notAfter {not_after.isoformat()} is after the issuer's "
            f"{issuer.not_valid_after_utc.isoformat()}",
            field="validity",
        )
