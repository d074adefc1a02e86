"""What a CT log keeps beside its Merkle leaves: one row per distinct submitted certificate.

RFC 6962 leaves hold a timestamp, so the same certificate submitted twice would make two
leaves. The first submission claims a row keyed by SHA-256 of the ``signed_entry``
(timestamp included in the row); later ones read it back and get an SCT for the same
leaf (RFC 6962 §4.1 lets a log return the SCT of an existing entry). The row also holds
``extra_data`` (the chain) that ``get-entries`` returns (§4.6).

The table lives in the log's own SQLite file on a second connection. It is written with
``synchronous=NORMAL``: its row is committed before the leaf is sequenced, and the log
engine's ``FULL`` commit of that leaf syncs the shared WAL, which carries the row too.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sigstack.errors import StorageError

__all__ = ["SubmissionStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ct_submissions (
    dedup_key BLOB PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    leaf_hash BLOB NOT NULL,
    extra_data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ct_submissions_leaf ON ct_submissions (leaf_hash);
"""


class SubmissionStore:
    """Submission rows in ``path``. Methods are blocking; call them from a worker thread."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open CT submissions in {path}: {exc}") from exc

    def claim(
        self, dedup_key: bytes, timestamp: int, leaf_hash: bytes, extra_data: bytes
    ) -> tuple[int, bool]:
        """Record a submission unless one exists; return its timestamp and whether it is new."""
        with self._lock:
            try:
                cur = self._conn.execute(
                    "INSERT OR IGNORE INTO ct_submissions"
                    " (dedup_key, timestamp, leaf_hash, extra_data) VALUES (?, ?, ?, ?)",
                    (dedup_key, timestamp, leaf_hash, extra_data),
                )
                if cur.rowcount == 1:
                    return timestamp, True
                row = self._conn.execute(
                    "SELECT timestamp FROM ct_submissions WHERE dedup_key = ?", (dedup_key,)
                ).fetchone()
            except sqlite3.Error as exc:
                raise StorageError(f"recording a CT submission failed: {exc}") from exc
        return int(row[0]), False

    def extra_data(self, leaf_hashes: list[bytes]) -> dict[bytes, bytes]:
        """``extra_data`` of each of these leaves that has a row."""
        found: dict[bytes, bytes] = {}
        with self._lock:
            try:
                for start in range(0, len(leaf_hashes), 500):
                    chunk = leaf_hashes[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT leaf_hash, extra_data FROM ct_submissions WHERE leaf_hash IN ({marks})"  # noqa: S608, E501
                    rows = self._conn.execute(sql, chunk).fetchall()
                    found.update((bytes(h), bytes(e)) for h, e in rows)
            except sqlite3.Error as exc:
                raise StorageError(f"reading CT chains failed: {exc}") from exc
        return found

    def close(self) -> None:
        """Release the connection."""
        with self._lock:
            self._conn.close()
