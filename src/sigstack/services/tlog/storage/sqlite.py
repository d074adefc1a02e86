"""SQLite (WAL) storage for one transparency log: the embedded default.

One file per log. Writes go through one connection used by one writer thread;
reads use their own connection (WAL lets them run beside the writer without
blocking it). ``synchronous=FULL`` so that an acknowledged entry survives a
crash of the process or of the machine.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sigstack.errors import StorageError
from sigstack.services.tlog.storage import (
    DuplicateLeafError,
    SequencedEntry,
    StoredEntry,
    TreeState,
)

__all__ = ["SQLiteStorage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    -- first 8 bytes of leaf_hash as a signed integer: a small index key that keeps inserts
    -- fast (a UNIQUE index on the 32-byte hash cost 5x in the benchmark); uniqueness is
    -- checked on the full hash inside sequence()
    leaf_prefix INTEGER NOT NULL,
    body BLOB NOT NULL,
    integrated_time INTEGER NOT NULL,
    promise BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_leaf_prefix ON entries (leaf_prefix);
CREATE TABLE IF NOT EXISTS search (
    key TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (key, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    size INTEGER NOT NULL,
    range BLOB NOT NULL,
    root BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
"""


def _prefix(leaf_hash: bytes) -> int:
    return int.from_bytes(leaf_hash[:8], "big", signed=True)


_EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


class SQLiteStorage:
    """A :class:`~sigstack.services.tlog.storage.LogStorage` in one SQLite file."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self._path = path
        self._synchronous = synchronous
        try:
            self._writer = self._connect()
            with self._writer:
                self._writer.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open log database {path}: {exc}") from exc
        self._readers = threading.local()
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, check_same_thread=False, isolation_level=None, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA cache_size=-65536")
        # Checkpoint the WAL every 64 MiB instead of 4 MiB: fewer, larger fsyncs (the
        # in-process write benchmark went from 46k to 61k leaves/s).
        conn.execute("PRAGMA wal_autocheckpoint=16384")
        return conn

    @property
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._readers.conn = conn
        return conn

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction on the writer connection; sqlite errors become StorageError."""
        with self._lock:
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageError(f"{what} failed: {exc}") from exc

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        try:
            return self._reader.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"read failed: {exc}") from exc

    # -- meta ---------------------------------------------------------------------------

    def init_meta(self, defaults: Mapping[str, str]) -> dict[str, str]:
        with self._write("init meta") as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", list(defaults.items())
            )
            rows = conn.execute("SELECT key, value FROM meta").fetchall()
        return {str(k): str(v) for k, v in rows}

    # -- sequencing ---------------------------------------------------------------------

    def sequenced_size(self) -> int:
        rows = self._read("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")
        return int(rows[0][0])

    def sequence(self, entries: Sequence[SequencedEntry]) -> None:
        if not entries:
            return
        with self._write("sequencing") as conn:
            (next_index,) = conn.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries").fetchone()
            if entries[0].index != next_index:
                raise StorageError(
                    f"sequencing conflict: batch starts at {entries[0].index},"
                    f" log is at {next_index}"
                )
            existing = self._find(conn, [e.leaf_hash for e in entries])
            if existing:
                raise DuplicateLeafError(existing)
            conn.executemany(
                "INSERT INTO entries (idx, leaf_hash, leaf_prefix, body, integrated_time, promise)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.index,
                        e.leaf_hash,
                        _prefix(e.leaf_hash),
                        e.body,
                        e.integrated_time,
                        e.inclusion_promise,
                    )
                    for e in entries
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO search (key, idx) VALUES (?, ?)",
                [(key, e.index) for e in entries for key in e.index_keys],
            )

    @staticmethod
    def _find(conn: sqlite3.Connection, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        wanted = set(leaf_hashes)
        found: dict[bytes, int] = {}
        prefixes = [_prefix(h) for h in wanted]
        for start in range(0, len(prefixes), 500):
            chunk = prefixes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT leaf_hash, idx FROM entries WHERE leaf_prefix IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
            for leaf, idx in rows:
                if bytes(leaf) in wanted:
                    found[bytes(leaf)] = int(idx)
        return found

    def find_leaf_hashes(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        try:
            return self._find(self._reader, leaf_hashes)
        except sqlite3.Error as exc:
            raise StorageError(f"read failed: {exc}") from exc

    def read_entries(self, start: int, end: int) -> list[StoredEntry]:
        rows = self._read(
            "SELECT idx, leaf_hash, body, integrated_time, promise FROM entries"
            " WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, end),
        )
        return [StoredEntry(int(i), bytes(h), bytes(b), int(t), bytes(p)) for i, h, b, t, p in rows]

    def read_leaf_hashes(self, start: int, end: int) -> list[bytes]:
        rows = self._read(
            "SELECT leaf_hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
        )
        return [bytes(r[0]) for r in rows]

    def search(self, keys: Sequence[str], *, match_all: bool, limit: int) -> list[int]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        if match_all:
            sql = (
                f"SELECT idx FROM search WHERE key IN ({marks}) GROUP BY idx"  # noqa: S608
                " HAVING COUNT(DISTINCT key) = ? ORDER BY idx LIMIT ?"
            )
            params: list[object] = [*keys, len(set(keys)), limit]
        else:
            sql = f"SELECT DISTINCT idx FROM search WHERE key IN ({marks}) ORDER BY idx LIMIT ?"  # noqa: S608
            params = [*keys, limit]
        return [int(r[0]) for r in self._read(sql, params)]

    # -- integration --------------------------------------------------------------------

    def tree_state(self) -> TreeState:
        rows = self._read("SELECT size, range, root FROM tree WHERE id = 0")
        if not rows:
            return TreeState(0, b"", _EMPTY_ROOT)
        size, rng, root = rows[0]
        return TreeState(int(size), bytes(rng), bytes(root))

    def read_tile(self, level: int, index: int) -> bytes | None:
        rows = self._read("SELECT data FROM tiles WHERE level = ? AND idx = ?", (level, index))
        return bytes(rows[0][0]) if rows else None

    def integrate(
        self, old_size: int, state: TreeState, tiles: Mapping[tuple[int, int], bytes]
    ) -> None:
        with self._write("integration") as conn:
            row = conn.execute("SELECT size FROM tree WHERE id = 0").fetchone()
            current = 0 if row is None else int(row[0])
            if current != old_size:
                raise StorageError(
                    f"integration conflict: expected tree size {old_size}, found {current}"
                )
            conn.executemany(
                "INSERT OR REPLACE INTO tiles (level, idx, data) VALUES (?, ?, ?)",
                [(lvl, idx, data) for (lvl, idx), data in tiles.items()],
            )
            conn.execute(
                "INSERT OR REPLACE INTO tree (id, size, range, root) VALUES (0, ?, ?, ?)",
                (state.size, state.compact_range, state.root),
            )

    # -- publishing ---------------------------------------------------------------------

    def put_checkpoint(self, size: int, note: str) -> None:
        with self._write("publishing") as conn:
            conn.execute(
                "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?, ?)", (size, note)
            )

    def latest_checkpoint(self) -> tuple[int, str] | None:
        rows = self._read("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def checkpoint_at(self, size: int) -> str | None:
        rows = self._read("SELECT note FROM checkpoints WHERE size = ?", (size,))
        return str(rows[0][0]) if rows else None

    def checkpoints(self) -> list[tuple[int, str]]:
        rows = self._read("SELECT size, note FROM checkpoints ORDER BY size")
        return [(int(s), str(n)) for s, n in rows]

    def close(self) -> None:
        self._writer.close()
        conn = getattr(self._readers, "conn", None)
        if conn is not None:
            conn.close()
