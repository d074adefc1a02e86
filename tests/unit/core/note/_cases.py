"""The checkpoints of the sigstore-conformance cases, and the logs that sign them.

The conformance cases live in ``../shared/conformance/bundle-verify/`` next to the repository
(ARCHITECTURE §4; provenance in that folder's README: sigstore-conformance ``test/assets/`` at
a73de497). A case uses its own ``trusted_root.json`` if it has one, else the public-good root
in ``../shared/trust/public-good/``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_der_public_key

from sigstack.core.note import ECDSANoteVerifier, Ed25519NoteVerifier, NoteVerifier

SHARED = Path(__file__).resolve().parents[4].parent / "shared"
CASES = SHARED / "conformance" / "bundle-verify"
PUBLIC_GOOD_ROOT = SHARED / "trust" / "public-good" / "trusted_root.json"
STAGING_ROOT = SHARED / "trust" / "staging" / "trusted_root.json"


def _cases_with_checkpoints() -> list[str]:
    if not CASES.is_dir():
        return []
    names = []
    for case in sorted(CASES.iterdir()):
        try:
            bundle = json.loads((case / "bundle.sigstore.json").read_text())
            entry = bundle["verificationMaterial"]["tlogEntries"][0]
            entry["inclusionProof"]["checkpoint"]["envelope"]
        except (OSError, ValueError, KeyError, IndexError):
            continue
        names.append(case.name)
    return names


#: Conformance cases whose bundle carries a checkpoint, found when the tests are collected.
CHECKPOINT_CASES = _cases_with_checkpoints()


@dataclass(frozen=True)
class Log:
    """One transparency log of a trusted root, with the verifier its checkpoints need."""

    host: str
    log_id: bytes
    verifier: NoteVerifier
    public_key: object


def log_verifiers(trusted_root: Path) -> list[Log]:
    """The logs of a trusted root: signature name = host of ``baseUrl`` (§5.5, §6.5)."""
    logs = []
    for tlog in json.loads(trusted_root.read_text())["tlogs"]:
        key = load_der_public_key(base64.b64decode(tlog["publicKey"]["rawBytes"]))
        host = tlog["baseUrl"].split("://", 1)[1].rstrip("/")
        verifier: NoteVerifier
        if isinstance(key, ed25519.Ed25519PublicKey):
            verifier = Ed25519NoteVerifier(host, key)
        else:
            assert isinstance(key, ec.EllipticCurvePublicKey)
            verifier = ECDSANoteVerifier(host, key)
        log_id = base64.b64decode(tlog["logId"]["keyId"])
        logs.append(Log(host=host, log_id=log_id, verifier=verifier, public_key=key))
    return logs


@dataclass(frozen=True)
class Case:
    """A conformance case: its checkpoint envelope, tlog entry and trusted logs."""

    name: str
    entry: dict[str, Any]
    logs: list[Log]

    @property
    def envelope(self) -> str:
        envelope: str = self.entry["inclusionProof"]["checkpoint"]["envelope"]
        return envelope

    @property
    def log_id(self) -> bytes:
        return base64.b64decode(self.entry["logId"]["keyId"])

    @property
    def verifiers(self) -> list[NoteVerifier]:
        return [log.verifier for log in self.logs]


def load_case(name: str) -> Case:
    """Read a case; its logs come from its own trusted root, else the public-good one."""
    folder = CASES / name
    bundle = json.loads((folder / "bundle.sigstore.json").read_text())
    own_root = folder / "trusted_root.json"
    root = own_root if own_root.exists() else PUBLIC_GOOD_ROOT
    return Case(name, bundle["verificationMaterial"]["tlogEntries"][0], log_verifiers(root))
