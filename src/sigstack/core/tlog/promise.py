"""The Rekor v1 SignedEntryTimestamp payload (transparency-log.md §1.5).

The log signs, and a verifier rebuilds, the RFC 8785 canonical JSON of the entry
without its ``verification`` (rekor ``pkg/api/entries.go: signEntry``)::

    {"body":"<b64>","integratedTime":<s>,"logID":"<hex>","logIndex":<n>}

One builder shared by the sequencer (signing) and the verifier, so the two can
never drift apart.
"""

from __future__ import annotations

import base64

from sigstack.core.canonical_json import canonicalize

__all__ = ["promise_payload"]


def promise_payload(body: bytes, integrated_time: int, log_id_hex: str, log_index: int) -> bytes:
    """The bytes a Rekor v1 SignedEntryTimestamp signs: RFC 8785 JSON of these four fields."""
    return canonicalize(
        {
            "body": base64.b64encode(body).decode(),
            "integratedTime": integrated_time,
            "logID": log_id_hex,
            "logIndex": log_index,
        }
    )
