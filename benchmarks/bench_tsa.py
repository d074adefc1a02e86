"""Timestamps issued per second over HTTP by ``sigstack serve tsa``.

Builds one DER ``TimeStampReq`` (SHA-256 imprint, nonce, certReq, as
sigstore-python sends it, sigstore-clients.md §7.1), starts ``sigstack serve tsa``
on a fresh data directory, and drives ``POST /api/v1/timestamp`` with wrk (C,
from Debian) over many concurrent connections. Every 200 is a freshly signed
``TimeStampResp`` (ECDSA P-256, random serial, the leaf embedded). One response
is checked with ``openssl ts -verify`` first, so the figure is for valid work.
wrk's own CPU is reported so the load generator can be seen not to be the limit.

Usage: python benchmarks/bench_tsa.py [--seconds S] [--connections C] [--threads T]
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _common import WORK, machine, run_wrk, wrk_binary
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from sigstack.testing.service import free_port

LUA = r"""
local f = assert(io.open(os.getenv("TSA_QUERY"), "rb"))
local body = f:read("*all")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/timestamp-query"
"""


def start_tsa(data_dir: Path, command: list[str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``sigstack serve tsa`` on a free port; the process and its URL once it answers."""
    port = free_port()
    cmd = [*command, "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{shlex.join(cmd)} exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the TSA did not start within 60 s")


def check_one(url: str, work: Path, query: Path) -> None:
    """One response verified by openssl against the served chain."""
    reply = httpx.post(
        url + "/api/v1/timestamp",
        content=query.read_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
    )
    reply.raise_for_status()
    (work / "reply.tsr").write_bytes(reply.content)
    pems = re.findall(
        r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?",
        httpx.get(url + "/api/v1/timestamp/certchain").text,
        re.S,
    )
    (work / "root.pem").write_text(pems[-1])
    (work / "untrusted.pem").write_text("".join(pems[:-1]))
    subprocess.run(
        ["openssl", "ts", "-verify", "-in", work / "reply.tsr", "-queryfile", query,
         "-CAfile", work / "root.pem", "-untrusted", work / "untrusted.pem"],
        check=True, capture_output=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--command",
        default=f"{sys.executable} -m sigstack serve tsa",
        help="how to start the server (flags are appended)",
    )
    args = parser.parse_args()
    wrk_binary()
    work = WORK / "tsa"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    query = work / "query.tsq"
    request = (
        TimestampRequestBuilder().hash_algorithm(HashAlgorithm.SHA256).data(b"signature").build()
    )
    query.write_bytes(request.as_bytes())
    (work / "post.lua").write_text(LUA)
    proc, url = start_tsa(work / "data", shlex.split(args.command), work / "server.log")
    try:
        check_one(url, work, query)
        run = run_wrk(
            threads=args.threads, connections=args.connections, seconds=args.seconds,
            script=work / "post.lua", url=url + "/api/v1/timestamp",
            env={"TSA_QUERY": str(query)},
        )  # fmt: skip
        stat = Path(f"/proc/{proc.pid}/stat").read_text().split()
        server_cpu_s = (int(stat[13]) + int(stat[14])) / 100
    finally:
        proc.terminate()
        proc.wait(30)
    ok, elapsed = run.ok, run.elapsed
    print(f"machine: {machine()}")
    print(
        f"tsa: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s"
        " POST /api/v1/timestamp (DER query, SHA-256, certReq)"
    )
    print(
        f"  {ok:,} timestamps (200) in {elapsed:.1f} s = {ok / elapsed:,.0f} timestamps/s"
        f" ({run.total:,} requests, {run.failed} non-2xx)"
    )
    if run.latency:
        print(run.latency_line())
    print(f"  CPU: server {server_cpu_s:.1f} s, wrk {run.wrk_cpu:.1f} s over {elapsed:.1f} s wall")


if __name__ == "__main__":
    main()
