"""Leaves integrated per second in-process: sequence (SQLite) + hashing + tiles + storage.

No HTTP and no signature checks: this measures the log engine's write stages
(``Sequencer.sequence`` then ``Integrator.integrate``) on the embedded SQLite
backend with ``synchronous=FULL``, in batches as the server forms them.

Usage: python benchmarks/bench_integrate.py [--leaves N] [--batch B] [--data-dir D]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from _common import WORK, machine

from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.services.tlog.integrator import Integrator
from sigstack.services.tlog.sequencer import Pending, Sequencer
from sigstack.services.tlog.storage.sqlite import SQLiteStorage


def build(data_dir: Path, leaves: int, batch: int) -> dict[str, float]:
    """Append ``leaves`` synthetic ~350-byte entries to a fresh log; return timings."""
    from sigstack.core.tlog.entries import CanonicalEntry

    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    # Written as the Rekor v1 log of a data dir so bench_proofs.py can serve it. Entries carry
    # no SignedEntryTimestamp here: this figure is about the engine, not about signing.
    storage = SQLiteStorage(data_dir / "rekor-v1.db")
    storage.init_meta({"hostname": "bench.local", "tree_id": "1"})
    sequencer = Sequencer(storage, log_id_hex="00" * 32, promise_signer=None)
    integrator = Integrator(storage)
    filler = b"x" * 300
    t_seq = t_int = 0.0
    start = time.perf_counter()
    for first in range(0, leaves, batch):
        items = []
        for n in range(first, min(leaves, first + batch)):
            body = b'{"apiVersion":"0.0.2","kind":"bench","spec":{"n":%d,"pad":"%s"}}' % (n, filler)
            items.append(
                Pending(CanonicalEntry("bench", "0.0.2", body, frozenset()), leaf_hash(body))
            )
        t0 = time.perf_counter()
        results = sequencer.sequence(items, 0)
        t1 = time.perf_counter()
        integrator.integrate([r.leaf_hash for r in results])  # type: ignore[union-attr]
        t2 = time.perf_counter()
        t_seq += t1 - t0
        t_int += t2 - t1
    total = time.perf_counter() - start
    storage.close()
    (data_dir / f".built-{leaves}").touch()  # bench_proofs.py serves this log as it is
    return {
        "leaves": leaves,
        "total_s": total,
        "sequence_s": t_seq,
        "integrate_s": t_int,
        "leaves_per_s": leaves / total,
        "integrate_leaves_per_s": leaves / t_int,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--data-dir", type=Path, default=WORK / "log-1m")
    args = parser.parse_args()
    r = build(args.data_dir, args.leaves, args.batch)
    print(f"machine: {machine()}")
    print(
        f"integrate: {r['leaves']:,} leaves, batches of {args.batch}; {r['total_s']:.1f} s"
        f" with the benchmark's own body building, {r['sequence_s'] + r['integrate_s']:.1f} s in the stages"
    )
    print(
        f"  sequence+integrate (entries, hashing, tiles, SQLite FULL): {r['leaves_per_s']:,.0f} leaves/s"
    )
    print(
        f"  integrate stage alone (hashing, tiles, SQLite):            {r['integrate_leaves_per_s']:,.0f} leaves/s"
    )


if __name__ == "__main__":
    main()
