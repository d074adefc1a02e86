"""Certificates issued per second over HTTP by ``sigstack serve ca``.

Starts the development OIDC issuer (``sigstack serve oidc``) and a CA trusting it
(``sigstack serve ca --oidc-issuer``), mints one long-lived token, pre-builds N
distinct CSR request bodies exactly as sigstore-python sends them
(sigstore-clients.md §4.1: ``Authorization: Bearer``, base64 PEM CSR of a fresh
P-256 key), and drives ``POST /api/v2/signingCert`` with wrk (C, from Debian)
over many concurrent connections. Every 200 is a certificate for which the CA
verified the token (signature, iss, aud, times; JWKS cached), checked the CSR
signature, signed a precertificate, appended it to the CT log (durably
sequenced, covered by a signed checkpoint), and re-signed the leaf with the
embedded SCT. The CT log's tree size before and after counts the certificates;
one response is checked first (chain and SCT). wrk's own CPU is reported so the
load generator can be seen not to be the limit.

Usage: python benchmarks/bench_ca.py [--seconds S] [--connections C] [--threads T]
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
from _common import WORK, machine, run_wrk, wrk_binary
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.testing.service import ServiceProcess, start_service

LUA = r"""
local counter = 0
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local bodies = {}
local i = 0
local token = nil
init = function(args)
  local f = assert(io.open(args[1] .. "." .. tid, "r"))
  for line in f:lines() do bodies[#bodies + 1] = line end
  f:close()
  local t = assert(io.open(args[2], "r"))
  token = t:read("*l")
  t:close()
end
request = function()
  i = i + 1
  if i > #bodies then i = 1 end
  return wrk.format("POST", "/api/v2/signingCert", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/pem-certificate-chain",
    ["Authorization"] = "Bearer " .. token,
  }, bodies[i])
end
"""


def csr_body() -> str:
    """One request body as sigstore-python 4.5.1 builds it (``sign.py: Signer._build_csr``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = csr.public_bytes(serialization.Encoding.PEM)
    return json.dumps({"certificateSigningRequest": base64.b64encode(pem).decode()})


def ct_size(url: str) -> int:
    return int(httpx.get(url + "/ct/v1/get-sth").json()["tree_size"])


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of the server process and of its worker processes."""

    def one(p: int) -> float:
        stat = Path(f"/proc/{p}/stat").read_text().split()
        return (int(stat[13]) + int(stat[14])) / 100

    kids = [int(k) for t in Path(f"/proc/{pid}/task").iterdir()
            for k in (t / "children").read_text().split()]  # fmt: skip
    return one(pid), sum(one(k) for k in kids)


def check_one(ca: ServiceProcess, token: str, body: str) -> None:
    """One request through the same path, checked: 3 PEMs, the leaf carries one SCT."""
    r = httpx.post(
        ca.url + "/api/v2/signingCert",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    r.raise_for_status()
    pems = r.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    leaf = x509.load_pem_x509_certificate(pems[0].encode())
    scts = leaf.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps)
    assert len(pems) == 3 and len(scts.value) == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bodies", type=int, default=4000)
    parser.add_argument("--server-arg", action="append", default=[], help="extra serve ca flag")
    args = parser.parse_args()
    wrk_binary()
    work = WORK / "ca"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bodies = work / "bodies.jsonl"
    files = [open(f"{bodies}.{t}", "w") for t in range(args.threads)]  # noqa: SIM115
    for n in range(args.bodies):
        files[n % args.threads].write(csr_body() + "\n")
    for f in files:
        f.close()
    (work / "post.lua").write_text(LUA)
    oidc = start_service(
        "oidc", work / "oidc", "--log-level", "warning",
        ready_path="/.well-known/openid-configuration", output=work / "oidc.log",
    )  # fmt: skip
    ca = None
    try:
        token = subprocess.run(
            [sys.executable, "-m", "sigstack", "oidc", "token", "--email", "bench@example.com",
             "--data-dir", str(work / "oidc"), "--lifetime", "3600"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        (work / "token").write_text(token + "\n")
        ca = start_service(
            "ca", work / "ca", "--oidc-issuer", oidc.url, "--log-level", "warning",
            *args.server_arg, ready_path="/healthz", output=work / "ca.log", timeout=120,
        )  # fmt: skip
        check_one(ca, token, bodies.with_suffix(".jsonl.0").read_text().splitlines()[0])
        load_before = Path("/proc/loadavg").read_text().split()[0]
        before = ct_size(ca.url)
        cpu0 = cpu_seconds(ca.process.pid)
        run = run_wrk(
            threads=args.threads, connections=args.connections, seconds=args.seconds,
            script=work / "post.lua", url=ca.url, script_args=(str(bodies), str(work / "token")),
        )  # fmt: skip
        cpu1 = cpu_seconds(ca.process.pid)
        server_cpu, workers_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
        issued = ct_size(ca.url) - before
    finally:
        if ca is not None:
            ca.stop()
        oidc.stop()
    elapsed = run.elapsed
    print(f"machine: {machine()}")
    print(
        f"ca issuance: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s"
        " POST /api/v2/signingCert (CSR, Bearer token)"
    )
    ok = run.ok  # answered 200 within the run (wrk's count)
    print(
        f"  {ok:,} certificates received in {elapsed:.1f} s = {ok / elapsed:,.0f} certificates/s"
        f" ({run.total:,} requests, {run.failed} non-2xx; CT log grew by {issued:,},"
        " counting requests still in flight when wrk stopped)"
    )
    if run.latency:
        print(run.latency_line())
    print(
        f"  CPU: server {server_cpu:.1f} s + workers {workers_cpu:.1f} s"
        f" ({(server_cpu + workers_cpu) / max(ok, 1) * 1000:.2f} ms/certificate),"
        f" wrk {run.wrk_cpu:.1f} s, over {elapsed:.1f} s wall; load average before:"
        f" {load_before}"
    )


if __name__ == "__main__":
    main()
