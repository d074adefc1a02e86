"""One process per data directory: an advisory lock held by ``sigstack up``.

``sigstack up`` holds an exclusive ``flock`` on ``DATA/sigstack.lock`` from before it opens
anything until it exits (the kernel drops it even after ``kill -9``); ``sigstack rotate``
and a second ``up`` take the same lock and refuse while it is held. This closes the window
in which a starting stack does not answer ``/healthz`` yet.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sigstack.errors import StorageError

__all__ = ["DataDirLock", "lock_data_dir"]

LOCK_FILE = "sigstack.lock"


class DataDirLock:
    """A held lock on a data directory; :meth:`release` (or process exit) frees it."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file

    def release(self) -> None:
        """Unlock and close (idempotent)."""
        if not self._file.closed:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_data_dir(data_dir: Path, purpose: str) -> DataDirLock:
    """Take the data directory's lock for ``purpose`` (e.g. ``"sigstack up"``), or raise
    :class:`StorageError` naming the process that holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    file = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        holder = file.read().strip() or "another process"
        file.close()
        raise StorageError(
            f"{data_dir} is in use by {holder}: stop it first (one process per data directory)"
        ) from None
    file.seek(0)
    file.truncate()
    file.write(f"{purpose} (pid {os.getpid()})\n")
    file.flush()
    return DataDirLock(file)
