"""The CT log keys signing checks SCTs against (sigstore-clients.md §2.3, §4.4).

The trusted root is parsed by :mod:`sigstack.core.trust.parse`, the signing config and
its service selection by :mod:`sigstack.core.trust.signing_config`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sigstack.core.trust.model import TrustedRoot
from sigstack.core.x509.spki import SpkiKey, load_spki

__all__ = ["CTKey", "ct_keys", "ct_keys_at"]


class CTKey(NamedTuple):
    """A CT log key of the trusted root, its log ID and the window it is trusted for."""

    public_key: SpkiKey
    log_id: bytes  # SHA-256 of the key's DER SubjectPublicKeyInfo (RFC 6962 §3.2)
    start: datetime | None
    end: datetime | None


def ct_keys(trusted_root: TrustedRoot) -> list[CTKey]:
    """Every ``ctlogs[].publicKey`` of the trusted root with its ``validFor`` (§2.3)."""
    keys: list[CTKey] = []
    for index, log in enumerate(trusted_root.ctlogs):
        der = log.public_key_der
        key = load_spki(der, field=f"ctlogs[{index}].publicKey.rawBytes")
        keys.append(
            CTKey(key, hashlib.sha256(der).digest(), log.valid_for.start, log.valid_for.end)
        )
    return keys


def ct_keys_at(keys: Sequence[CTKey], now: datetime) -> list[CTKey]:
    """The CT keys trusted at ``now`` (sigstore-python checks SCTs with keys valid now, §4.4)."""
    return [
        k for k in keys if (k.start is None or k.start <= now) and (k.end is None or now <= k.end)
    ]
