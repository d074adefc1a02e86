"""Rekor v2 entries accepted per second over HTTP, with signature checking.

Pre-signs N distinct ``hashedRekordRequestV002`` bodies (ECDSA P-256 public-key
verifiers, as a client would send), starts ``sigstack serve log`` (SQLite,
synchronous=FULL), and drives ``POST /api/v2/log/entries`` with wrk (C, from
Debian) over many concurrent connections. Every 201 is an entry that was
signature-checked, durably sequenced, integrated and covered by a signed
checkpoint, with its inclusion proof in the response. wrk's own CPU use is
reported so the load generator can be seen not to be the bottleneck.

Usage: python benchmarks/bench_http_write.py [--seconds S] [--connections C]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import httpx
from _common import WORK, machine, run_wrk, start_server, wrk_binary

from sigstack.testing.tlog import Signer, hashedrekord_v2

LUA = r"""
local counter = 0
local threads = {}
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local bodies = {}
local i = 0
init = function(args)
  local f = assert(io.open(args[1] .. "." .. tid, "r"))
  for line in f:lines() do bodies[#bodies + 1] = line end
  f:close()
end
request = function()
  i = i + 1
  if i > #bodies then i = 1 end
  return wrk.format("POST", "/api/v2/log/entries", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def make_bodies(path: Path, count: int, threads: int) -> None:
    """Write ``count`` distinct signed requests, split into one file per wrk thread."""
    signers = [Signer() for _ in range(16)]
    files = [open(f"{path}.{t}", "w") for t in range(threads)]  # noqa: SIM115
    try:
        for n in range(count):
            request = hashedrekord_v2(signers[n % len(signers)], b"artifact %d" % n)
            files[n % threads].write(json.dumps(request, separators=(",", ":")) + "\n")
    finally:
        for f in files:
            f.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bodies", type=int, default=120_000)
    parser.add_argument("--server-arg", action="append", default=[], help="extra serve flag")
    args = parser.parse_args()
    wrk_binary()
    work = WORK / "http-write"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bodies = work / "bodies.jsonl"
    make_bodies(bodies, args.bodies, args.threads)
    (work / "post.lua").write_text(LUA)
    proc, url = start_server(work / "data", *args.server_arg)
    try:
        before = httpx.get(url + "/api/v2/checkpoint").text.splitlines()[1]
        run = run_wrk(
            threads=args.threads,
            connections=args.connections,
            seconds=args.seconds,
            script=work / "post.lua",
            url=url,
            script_args=(str(bodies),),
        )
        after = httpx.get(url + "/api/v2/checkpoint").text.splitlines()[1]
        server_cpu = Path(f"/proc/{proc.pid}/stat").read_text().split()
        server_cpu_s = (int(server_cpu[13]) + int(server_cpu[14])) / 100
    finally:
        proc.terminate()
        proc.wait(30)
    accepted = int(after) - int(before)
    elapsed = run.elapsed
    print(f"machine: {machine()}")
    print(
        f"http write: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s POST /api/v2/log/entries"
    )
    print(
        f"  {accepted:,} entries accepted (201) in {elapsed:.1f} s = {accepted / elapsed:,.0f} entries/s"
        f" ({run.total:,} requests, {run.failed} non-2xx)"
    )
    if run.latency:
        print(run.latency_line())
    print(f"  CPU: server {server_cpu_s:.1f} s, wrk {run.wrk_cpu:.1f} s over {elapsed:.1f} s wall")


if __name__ == "__main__":
    main()
