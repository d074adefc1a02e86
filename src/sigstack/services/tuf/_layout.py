"""Where the TUF repository keeps its files, and which of them are served.

The layout is the one python-tuf's ``ngclient`` (and so sigstore-python's
``TrustUpdater``) fetches from a repository with consistent snapshots
(TUF specification §6.2 "consistent snapshots", fetched in the order of §5.3-§5.7;
ca-tsa-oidc-tuf.md §11.2, §11.5 step 5)::

    DATA/tuf/root.json                     the root a client bootstraps from (newest root)
    DATA/tuf/repository/<N>.root.json      every root version, kept for the client's walk (§5.3)
    DATA/tuf/repository/timestamp.json     unversioned (§4.6, §5.4)
    DATA/tuf/repository/<N>.snapshot.json  versioned (§4.5, §5.5)
    DATA/tuf/repository/<N>.targets.json   versioned (§4.4, §5.6)
    DATA/tuf/repository/targets/<sha256>.<name>   hash-prefixed target files (§5.7)
    DATA/keys/tuf-<role>.pem               the four role keys (Ed25519, PKCS#8, mode 0600)

Only names matching :func:`served_file` are ever read for a request, so nothing
outside ``repository/`` (keys, the lock file) can be reached over HTTP.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sigstack.errors import FormatError, StorageError
from sigstack.services._keyfiles import write_atomic

__all__ = [
    "ROLES",
    "check_target_name",
    "exclusive_lock",
    "served_file",
    "write_public",
]

#: The four top-level roles (TUF specification §2.1), in signing order.
ROLES = ("root", "targets", "snapshot", "timestamp")

_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_VERSIONED = re.compile(r"([1-9][0-9]{0,19})\.(root|snapshot|targets)\.json")
_TARGET_FILE = re.compile(r"targets/([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._-]{0,199})")


def check_target_name(name: str) -> str:
    """``name`` if it is a flat, safe target name (no ``/``, no leading dot), else FormatError."""
    if not _TARGET_NAME.fullmatch(name) or ".." in name:
        raise FormatError(
            f"a target name is letters, digits, '.', '_' and '-' (not starting with '.', "
            f"no '..', at most 200 characters); found {name!r}",
            field="targets",
        )
    return name


def served_file(repository: Path, path: str) -> Path | None:
    """The file under ``repository`` that URL path ``path`` names, or None if none may be served.

    ``path`` is relative to the repository URL (no leading ``/``). Only the metadata and
    target names of the layout match; anything else (``..``, ``keys/…``, hidden files)
    is refused before the file system is touched.
    """
    if path == "timestamp.json" or _VERSIONED.fullmatch(path) or _TARGET_FILE.fullmatch(path):
        if ".." in path:
            return None
        candidate = repository / path
        return candidate if candidate.is_file() else None
    return None


def write_public(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename), world-readable."""
    write_atomic(path, data, mode=0o644)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (one writer across processes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot open lock file {path}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
