"""The TrustedRoot of a stack, rendered from its current keys and its rotation record.

Every retired key stays in the root with its closed ``validFor`` (so bundles signed
before a rotation still verify, sigstore-clients.md §2.3: "keep every past instance");
the current key's window opens at its rotation time (or the stack's creation). Retired
entries come first, oldest first, then the current one. Pure apart from parsing PEM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.trust import CertificateAuthority, TransparencyLogInstance, TrustedRoot, ValidFor
from sigstack.core.trust.build import (
    ct_log,
    fulcio_authority,
    rekor_v1_log,
    rekor_v2_log,
    timestamp_authority,
)
from sigstack.services.stack.rotation import TrustHistory, parse_time

__all__ = ["CurrentKeys", "trusted_root_of"]


@dataclass(frozen=True)
class CurrentKeys:
    """The public material the stack signs with now (PEM)."""

    rekor_v1: bytes
    rekor_v2: bytes
    rekor_v2_origin: str
    ca_chain: Sequence[x509.Certificate]
    ctlog: bytes
    tsa_chain: Sequence[x509.Certificate]


def _key(pem: bytes | str) -> Any:
    return serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)


def _certs(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def _closed(log: TransparencyLogInstance, window: ValidFor) -> TransparencyLogInstance:
    return TransparencyLogInstance(
        base_url=log.base_url,
        public_key_der=log.public_key_der,
        key_details=log.key_details,
        valid_for=window,
        log_id=log.log_id,
        checkpoint_key_id=log.checkpoint_key_id,
        operator=log.operator,
    )


def trusted_root_of(
    base: str, keys: CurrentKeys, created: datetime, history: TrustHistory, operator: str
) -> TrustedRoot:
    """Retired entries (closed windows) and current ones (open from their start)."""
    v1: list[TransparencyLogInstance] = []
    v2: list[TransparencyLogInstance] = []
    cas: list[CertificateAuthority] = []
    tsas: list[CertificateAuthority] = []
    for old in history.retired:
        start, end = parse_time(old.start), parse_time(old.end)
        if old.kind == "rekor-v1":
            log = rekor_v1_log(base, _key(old.pem), start, operator=operator)
            v1.append(_closed(log, ValidFor(start, end)))
        elif old.kind == "rekor-v2":
            origin = old.origin or keys.rekor_v2_origin
            log = rekor_v2_log(base, origin, _key(old.pem), start, operator=operator)
            v2.append(_closed(log, ValidFor(start, end)))
        elif old.kind == "ca":
            cas.append(fulcio_authority(_certs(old.pem), base, start, end=end, operator=operator))
        elif old.kind == "tsa":
            tsas.append(
                timestamp_authority(
                    _certs(old.pem), f"{base}/api/v1/timestamp", start, end=end, operator=operator
                )
            )
    log_start = history.start_of("log", created)
    v1.append(rekor_v1_log(base, _key(keys.rekor_v1), log_start, operator=operator))
    v2.append(
        rekor_v2_log(base, keys.rekor_v2_origin, _key(keys.rekor_v2), log_start, operator=operator)
    )
    cas.append(
        fulcio_authority(keys.ca_chain, base, history.start_of("ca", created), operator=operator)
    )
    tsas.append(
        timestamp_authority(
            keys.tsa_chain,
            f"{base}/api/v1/timestamp",
            history.start_of("tsa", created),
            operator=operator,
        )
    )
    return TrustedRoot(
        tlogs=[*v1, *v2],
        certificate_authorities=cas,
        ctlogs=[ct_log(base, _key(keys.ctlog), created, operator=operator)],
        timestamp_authorities=tsas,
    )
