"""Inclusion-proof latency on a 1,000,000-entry log, and the server's memory.

Builds the log in-process (bench_integrate.build) unless it exists, starts
``sigstack serve log`` on it, and asks ``GET /api/v1/log/entries?logIndex=N`` for
random indexes over one keep-alive connection: each answer is the entry with
its inclusion proof built from tiles against the latest checkpoint. Reports
p50/p99 latency and the server's RSS (current and peak).

Usage: python benchmarks/bench_proofs.py [--leaves N] [--requests R]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import httpx
from _common import WORK, machine, percentile, rss_mb, start_server
from bench_integrate import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--data-dir", type=Path, default=WORK / "log-1m")
    args = parser.parse_args()
    marker = args.data_dir / f".built-{args.leaves}"
    if not marker.exists():
        build(args.data_dir, args.leaves, 4096)
    proc, url = start_server(args.data_dir)
    try:
        rng = random.Random(6962)
        latencies: list[float] = []
        with httpx.Client(base_url=url, timeout=10) as client:
            size = client.get("/api/v1/log").json()["treeSize"]
            assert size == args.leaves, (size, args.leaves)
            for _ in range(200):  # warm the connection and the tile cache a little
                client.get("/api/v1/log/entries", params={"logIndex": rng.randrange(size)})
            for _ in range(args.requests):
                index = rng.randrange(size)
                t0 = time.perf_counter()
                response = client.get("/api/v1/log/entries", params={"logIndex": index})
                latencies.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
                (entry,) = response.json().values()
                assert entry["verification"]["inclusionProof"]["hashes"]
        now, peak = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"machine: {machine()}")
    print(
        f"proofs: {args.requests} random GET /api/v1/log/entries?logIndex= on a {args.leaves:,}-entry log"
    )
    print(
        f"  latency p50 {percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms,"
        f" max {max(latencies):.2f} ms (client-measured, keep-alive)"
    )
    print(
        f"  server RSS {now:.0f} MB (peak {peak:.0f} MB), main process and validation worker together"
    )


if __name__ == "__main__":
    main()
