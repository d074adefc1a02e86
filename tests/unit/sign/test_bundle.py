"""Rekor answers → bundle ``TransparencyLogEntry`` (sigstore-clients.md §5.3, §6.3)."""

from __future__ import annotations

import base64
import json

import pytest

from sigstack.core.tlog.values import InclusionProof, LogEntryV1
from sigstack.errors import FormatError
from sigstack.sign.bundle import entry_from_v1, logged_signature

BODY = json.dumps(
    {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {"signature": {"content": "c2ln"}}}
).encode()
PROOF = InclusionProof(
    log_index=7, tree_size=9, root_hash=b"\x01" * 32, hashes=(b"\x02" * 32,), checkpoint="note\n"
)
ENTRY = LogEntryV1(
    uuid="ab" * 32, body=BODY, integrated_time=1_790_000_000, log_id=b"\x03" * 32, log_index=7,
    inclusion_proof=PROOF, signed_entry_timestamp=b"set",
)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_v1_answer_converted_as_the_clients_do() -> None:
    assert entry_from_v1(ENTRY) == {
        "logIndex": "7",
        "logId": {"keyId": _b64(b"\x03" * 32)},
        "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
        "integratedTime": "1790000000",
        "inclusionPromise": {"signedEntryTimestamp": _b64(b"set")},
        "inclusionProof": {
            "logIndex": "7",
            "rootHash": _b64(b"\x01" * 32),
            "treeSize": "9",
            "hashes": [_b64(b"\x02" * 32)],
            "checkpoint": {"envelope": "note\n"},
        },
        "canonicalizedBody": _b64(BODY),
    }
    assert logged_signature(entry_from_v1(ENTRY)) == "c2ln"


@pytest.mark.parametrize(
    "entry",
    [
        ENTRY._replace(inclusion_proof=None),
        ENTRY._replace(inclusion_proof=PROOF._replace(checkpoint="")),
        ENTRY._replace(signed_entry_timestamp=None),
    ],
    ids=["no-proof", "no-checkpoint", "no-set"],
)
def test_v1_answer_without_proof_checkpoint_or_set_is_refused(entry: LogEntryV1) -> None:
    with pytest.raises(FormatError):
        entry_from_v1(entry)


@pytest.mark.parametrize("body", [b"not json", b'{"kind": "intoto", "spec": {}}'])
def test_unreadable_logged_body_is_a_format_error(body: bytes) -> None:
    with pytest.raises(FormatError, match="not a hashedrekord or dsse body"):
        logged_signature({"canonicalizedBody": _b64(body)})
