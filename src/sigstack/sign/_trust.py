"""The CT log keys signing checks SCTs against (sigstore-clients.md §2.3, §4.4).

The trusted root is parsed by :mod:`sigstack.core.trust.parse`, the signing config and
its service selection by :mod:`sigstack.core.trust.signing_config`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import load_der_public_key

from sigstack.core.trust.model import TrustedRoot
from sigstack.errors import FormatError

__all__ = ["CTKey", "ct_keys", "ct_keys_at"]


@dataclass(frozen=True)
class CTKey:
    """A CT log key of the trusted root and the window it is trusted for."""

    public_key: Any  # cryptography public key (EC or RSA)
    start: datetime | None
    end: datetime | None


def ct_keys(trusted_root: TrustedRoot) -> list[CTKey]:
    """Every ``ctlogs[].publicKey`` of the trusted root with its ``validFor`` (§2.3)."""
    keys: list[CTKey] = []
    for index, log in enumerate(trusted_root.ctlogs):
        try:
            key = load_der_public_key(log.public_key_der)
        except ValueError as exc:
            raise FormatError(
                f"expected a DER public key: {exc}", field=f"ctlogs[{index}].publicKey.rawBytes"
            ) from exc
        keys.append(CTKey(key, log.valid_for.start, log.valid_for.end))
    return keys


def ct_keys_at(keys: Sequence[CTKey], now: datetime) -> list[Any]:
    """The CT keys trusted at ``now`` (sigstore-python checks SCTs with keys valid now, §4.4)."""
    return [
        k.public_key
        for k in keys
        if (k.start is None or k.start <= now) and (k.end is None or now <= k.end)
    ]
