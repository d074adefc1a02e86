"""Step 0 of sigstore-clients.md §9.2: verified times from RFC 3161 timestamps (§7.3).

Each timestamp must verify against some trusted TSA chain (leaf first, ≥ 2 certs) over the
signature bytes, and its ``genTime`` must lie in that TSA's ``validFor`` (closed interval, as
the conformance suite and sigstore-js read TimeRange). A timestamp that verifies against no
TSA is fatal (sigstore-js), not silently skipped (sigstore-python): the reason is reported.
"""

from __future__ import annotations

from datetime import datetime

from sigstack.core.trust.model import CertificateAuthority
from sigstack.core.tsp.verify import verify_response
from sigstack.errors import Error
from sigstack.verify._tlog import within
from sigstack.verify.errors import TimestampError

__all__ = ["MAX_TIMESTAMPS", "verify_timestamps"]

MAX_TIMESTAMPS = 32


def _one(stamp: bytes, signature: bytes, tsas: tuple[CertificateAuthority, ...]) -> datetime:
    reasons: list[str] = []
    for tsa in tsas:
        if len(tsa.chain_der) < 2:
            continue
        try:
            response = verify_response(stamp, signature, chain=tsa.chain_der)
        except Error as exc:
            reasons.append(f"{tsa.common_name or tsa.uri}: {exc}")
            continue
        gen_time = response.tst_info.gen_time
        if not within(tsa.valid_for, gen_time):
            reasons.append(f"genTime {gen_time.isoformat()} outside the TSA's validFor")
            continue
        return gen_time
    raise TimestampError(
        f"expected a timestamp by a trusted TSA valid at its genTime; {reasons or 'no TSA'}",
        field="rfc3161Timestamps",
    )


def verify_timestamps(
    stamps: tuple[bytes, ...], signature: bytes, tsas: tuple[CertificateAuthority, ...]
) -> list[datetime]:
    """The ``genTime`` of every timestamp, each verified (§7.3 rules 1-3)."""
    if len(stamps) > MAX_TIMESTAMPS:
        raise TimestampError(f"expected at most {MAX_TIMESTAMPS} timestamps, found {len(stamps)}")
    if len(set(stamps)) != len(stamps):
        raise TimestampError("duplicate timestamps in the bundle", field="rfc3161Timestamps")
    if stamps and not tsas:
        raise TimestampError("the bundle has timestamps but the trusted root lists no TSA")
    return [_one(stamp, signature, tsas) for stamp in stamps]
