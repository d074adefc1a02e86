"""``VerificationResult``: what a successful verification proved (sigstore-clients.md §9.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sigstack.core.bundle import TlogEntry

__all__ = ["VerificationResult"]


@dataclass(frozen=True)
class VerificationResult:
    """What was proven.

    ``identity`` (first SAN) and ``issuer`` are ``None`` for managed-key bundles;
    ``verified_times`` are the TSA ``genTime`` values and the SET-backed ``integratedTime``
    at which the chain and the certificate's validity were checked; ``payload_type`` and
    ``payload`` are the DSSE envelope's, for :meth:`Verifier.verify_dsse`.
    """

    identity: str | None
    issuer: str | None
    log_entries: tuple[TlogEntry, ...]
    verified_times: tuple[datetime, ...]
    payload_type: str | None = None
    payload: bytes | None = None
