"""What a log answers, as plain values: a Rekor v1 entry and an inclusion proof.

Kept apart from :mod:`sigstack.core.tlog.verify` (which checks them) so that clients
which only carry these values — the signer, the wire parsers — do not import the Merkle
and signature machinery (sigstore-clients.md §5.3, §6.3).
"""

from __future__ import annotations

import json
from typing import NamedTuple

__all__ = ["InclusionProof", "LogEntryV1"]


class InclusionProof(NamedTuple):
    """An inclusion proof as Rekor v1 and v2 send it: audit path and the checkpoint it ends at."""

    log_index: int
    tree_size: int
    root_hash: bytes
    hashes: tuple[bytes, ...]
    checkpoint: str


class LogEntryV1(NamedTuple):
    """A Rekor v1 ``LogEntryAnon`` with its key (the 64- or 80-hex entry UUID)."""

    uuid: str
    body: bytes
    integrated_time: int
    log_id: bytes
    log_index: int
    inclusion_proof: InclusionProof | None = None
    signed_entry_timestamp: bytes | None = None

    @property
    def kind(self) -> str:
        """``kind`` of the canonical body, or ``"?"`` when the body is not an entry object."""
        return self._body_field("kind")

    @property
    def api_version(self) -> str:
        """``apiVersion`` of the canonical body, or ``"?"``."""
        return self._body_field("apiVersion")

    def _body_field(self, name: str) -> str:
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return "?"
        found = value.get(name) if isinstance(value, dict) else None
        return found if isinstance(found, str) else "?"
