"""Named limits of the CT log (ARCHITECTURE §2 rule 6), read once at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field

from sigstack.services.tlog.settings import LogSettings

__all__ = ["CTLogSettings"]


@dataclass(frozen=True, slots=True)
class CTLogSettings:
    """Limits of the CT log service; ``log`` configures the underlying log engine."""

    log: LogSettings = field(default_factory=LogSettings)
    #: Name of the log in its C2SP checkpoints (the engine's note signer).
    origin: str = "sigstack-ctlog"
    #: Largest ``add-chain`` / ``add-pre-chain`` request body, in bytes (413 above it).
    max_request_bytes: int = 256 * 1024
    #: Most certificates in a submitted chain.
    max_chain_length: int = 10
    #: Most entries one ``get-entries`` answers (RFC 6962 §4.6 lets a log return fewer).
    max_get_entries: int = 256
    #: If not empty, accept only certificates whose EKU has one of these dotted OIDs
    #: (TesseraCT ``--ext_key_usages CodeSigning`` = ``("1.3.6.1.5.5.7.3.3",)``).
    required_ekus: tuple[str, ...] = ()
