"""Key rotation of a stopped stack, and the record the trust files are rendered from.

``trust_history.json`` in the data directory records, per rotatable service, when its
current key became valid (``current``) and every retired key's public material with its
closed window (``retired``). :func:`build_trust_config` renders the TrustedRoot from it
on every start, so the same record always gives the same files (deterministic).

:func:`rotate` (``sigstack rotate ca|log|tsa``) runs against a STOPPED stack:

* moves the current key files to ``keys/retired/<service>-<n>/`` (kept, mode unchanged),
* records the old public material with ``validFor.end = now``,
* generates the new key (and chain, with a distinct subject, for the CA and TSA) whose
  ``validFor.start = now``; the logs' trees continue, only their signing keys change
  (a Rekor v1 or v2 entry names its key by ``logId``; clients pick the key by it),
* re-renders the trust files and republishes them through TUF (via ``open_stack``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sigstack.core.trust import rfc3339
from sigstack.errors import FormatError, StorageError

__all__ = [
    "HISTORY_FILE",
    "SERVICES",
    "RetiredKey",
    "TrustHistory",
    "generation_of",
    "host_port",
    "load_history",
    "parse_time",
    "probe_running",
    "retire",
    "save_history",
    "stack_identity",
]

HISTORY_FILE = "trust_history.json"
#: What ``sigstack rotate`` rotates; ``log`` rotates both Rekor logs' keys.
SERVICES = ("ca", "log", "tsa")
#: Key files (relative to the data dir) of each rotatable service.
KEY_FILES = {
    "ca": ("keys/ca-key.pem", "keys/ca-chain.pem"),
    "log": ("keys/rekor-v1.pem", "keys/rekor-v2.pem"),
    "tsa": (
        "keys/tsa-leaf.pem",
        "keys/tsa-intermediate.pem",
        "keys/tsa-root.pem",
        "tsa/certchain.pem",
    ),
}


def parse_time(text: str) -> datetime:
    """An RFC 3339 ``…Z`` time as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class RetiredKey:
    """One retired key: ``kind`` is ca, rekor-v1, rekor-v2 or tsa; ``pem`` the public material.

    For ``ca``/``tsa`` ``pem`` is the certificate chain (CA: intermediate, root; TSA: leaf
    first); for the logs the public key. ``origin`` is the Rekor v2 checkpoint origin.
    """

    kind: str
    pem: str
    start: str
    end: str
    origin: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record's JSON object."""
        out: dict[str, Any] = {"kind": self.kind, "pem": self.pem}
        out.update({"start": self.start, "end": self.end})
        if self.origin is not None:
            out["origin"] = self.origin
        return out


@dataclass
class TrustHistory:
    """Every key's window: ``current[service]`` = start of the live key (else creation)."""

    current: dict[str, str] = field(default_factory=dict)
    retired: list[RetiredKey] = field(default_factory=list)

    def start_of(self, service: str, created: datetime) -> datetime:
        """When ``service``'s current key became valid."""
        text = self.current.get(service)
        return parse_time(text) if text else created

    def retired_of(self, kind: str) -> list[RetiredKey]:
        """The retired keys of ``kind``, oldest first."""
        return [r for r in self.retired if r.kind == kind]

    def to_json(self) -> dict[str, Any]:
        """The record's JSON document."""
        return {"current": dict(self.current), "retired": [r.to_json() for r in self.retired]}


def load_history(data_dir: Path) -> TrustHistory:
    """The record in ``data_dir`` (empty when nothing was ever rotated)."""
    path = data_dir / HISTORY_FILE
    if not path.exists():
        return TrustHistory()
    try:
        doc = json.loads(path.read_text())
        retired = [
            RetiredKey(r["kind"], r["pem"], r["start"], r["end"], r.get("origin"))
            for r in doc.get("retired", [])
        ]
        return TrustHistory({str(k): str(v) for k, v in doc["current"].items()}, retired)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc


def save_history(data_dir: Path, history: TrustHistory) -> None:
    """Write the record atomically."""
    path = data_dir / HISTORY_FILE
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(history.to_json(), indent=2) + "\n")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc}") from exc


def probe_running(base_url: str) -> bool:
    """Whether something answers ``BASE/healthz`` (then ``sigstack up`` runs on the dir)."""
    try:
        httpx.get(f"{base_url}/healthz", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def stack_identity(data_dir: Path) -> tuple[str, datetime]:
    """The base URL and creation time from ``stack.json``; refuses a never-started dir."""
    path = data_dir / "stack.json"
    if not path.exists():
        raise FormatError(f"{data_dir} holds no stack: run `sigstack up` on it first")
    try:
        state = json.loads(path.read_text())
        return str(state["baseUrl"]), parse_time(state["createdAt"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc


def host_port(base_url: str) -> tuple[str, int]:
    """The host and port ``open_stack`` needs to reopen ``base_url``."""
    parts = urlsplit(base_url)
    if parts.hostname is None or parts.port is None:
        raise FormatError(f"cannot reopen a stack at {base_url!r}")
    return parts.hostname, parts.port


def retire(data_dir: Path, service: str, now: datetime, origin: str | None) -> TrustHistory:
    """Record ``service``'s current key(s) as retired at ``now``; move their files aside.

    ``origin`` is the Rekor v2 origin (for ``log``). The caller then opens the stack,
    which generates the new key(s) where the old ones were.
    """
    if service not in SERVICES:
        raise FormatError(f"cannot rotate {service!r}: expected one of {list(SERVICES)}")
    _, created = stack_identity(data_dir)
    history = load_history(data_dir)
    start, end = rfc3339(history.start_of(service, created)), rfc3339(now)
    if end <= start:
        raise FormatError(f"{service} was rotated at {start}: wait a second before rotating again")
    keys = data_dir / "keys"
    if service == "ca":
        history.retired.append(RetiredKey("ca", _read(keys / "ca-chain.pem"), start, end))
    elif service == "tsa":
        history.retired.append(RetiredKey("tsa", _read(data_dir / "tsa/certchain.pem"), start, end))
    else:
        from cryptography.hazmat.primitives import serialization

        for kind, name in (("rekor-v1", "rekor-v1.pem"), ("rekor-v2", "rekor-v2.pem")):
            key = serialization.load_pem_private_key((keys / name).read_bytes(), None)
            pem = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            kind_origin = origin if kind == "rekor-v2" else None
            history.retired.append(RetiredKey(kind, pem.decode(), start, end, kind_origin))
    history.current[service] = end
    save_history(data_dir, history)
    aside = keys / "retired" / f"{service}-{generation_of(history, service) - 1}"
    aside.mkdir(parents=True, exist_ok=True)
    for rel in KEY_FILES[service]:
        if (data_dir / rel).exists():
            shutil.move(data_dir / rel, aside / Path(rel).name)
    return history


def generation_of(history: TrustHistory, service: str) -> int:
    """The 1-based generation of ``service``'s current key (1 before any rotation)."""
    kind = "rekor-v1" if service == "log" else service
    return len(history.retired_of(kind)) + 1


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc
