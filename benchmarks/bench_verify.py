"""Bundle verification speed: sigstack's ``Verifier`` against sigstore-python 4.5.1's.

Starts ``sigstack up``, signs N distinct artifacts with sigstack's ``Signer`` (a fresh key
and certificate each) in four kinds — Rekor v1 and v2, message signature (blob) and DSSE
(an in-toto statement naming the blob) — and stores the bundles, the artifacts and the
stack's trusted root. Then, in the same run, each verifier checks every bundle with the
same identity policy (exact SAN and issuer):

- sigstack: ``Verifier(trusted_root, clock=utc_now)`` built once; per bundle
  ``load_bundle`` (parse) + ``verify_artifact`` / ``verify_dsse``;
- sigstore-python 4.5.1 (``make peers``; its own venv, a child process reporting JSON):
  ``Verifier(trusted_root=TrustedRoot.from_file(...))`` built once; per bundle
  ``Bundle.from_json`` + ``verify_artifact`` / ``verify_dsse`` with ``policy.Identity``.

Bytes are read into memory first; one warm-up pass, then ``--rounds`` timed passes, every
bundle timed on its own (``perf_counter``). The two measurements alternate ``--blocks``
times (sigstack, sigstore-python, sigstack, ...), so that a slow spell of this shared VM
falls on both rather than on one. Reports the per-bundle median and mean of each over all
blocks and the ratio (sigstore-python / sigstack).

Usage: python benchmarks/bench_verify.py [--bundles N] [--rounds R] [--blocks B]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from _common import WORK, machine, start_local_stack

from sigstack.clock import utc_now
from sigstack.sign import Signer, SigningContext
from sigstack.verify import Identity, Verifier, load_bundle, load_trusted_root

EMAIL = "bench-verify@example.com"
PEER_PYTHON = Path(__file__).resolve().parents[1] / ".peers" / "sigstore-python" / "bin" / "python"
KINDS = (("v1", "blob"), ("v1", "dsse"), ("v2", "blob"), ("v2", "dsse"))

#: Run by the sigstore-python venv's interpreter: argv[1] is the manifest, JSON on stdout.
PEER_SCRIPT = r"""
import json, sys, time
from pathlib import Path
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy

manifest = json.loads(Path(sys.argv[1]).read_text())
verifier = Verifier(trusted_root=TrustedRoot.from_file(manifest["trusted_root"]))
identity = policy.Identity(identity=manifest["identity"], issuer=manifest["issuer"])
items = [(Path(b["bundle"]).read_bytes(), b["artifact"] and Path(b["artifact"]).read_bytes())
         for b in manifest["bundles"]]

def one(raw, artifact):
    bundle = Bundle.from_json(raw)
    if artifact:
        verifier.verify_artifact(artifact, bundle, identity)
    else:
        verifier.verify_dsse(bundle, identity)

for raw, artifact in items:  # warm-up pass
    one(raw, artifact)
times = []
for _ in range(manifest["rounds"]):
    for raw, artifact in items:
        t0 = time.perf_counter()
        one(raw, artifact)
        times.append(time.perf_counter() - t0)
print(json.dumps({"seconds": times}))
"""


def statement(name: str, data: bytes) -> bytes:
    """An in-toto v1 statement whose one subject is ``name`` with ``data``'s SHA-256."""
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}],
            "predicateType": "https://example.com/bench/v1",
            "predicate": {"bench": True},
        }
    ).encode()


def make_bundles(work: Path, count: int) -> dict[str, Any]:
    """Sign ``count`` artifacts against a fresh stack; the manifest both verifiers read."""
    stack, token = start_local_stack(work, EMAIL)
    try:
        config = json.loads((stack.data_dir / "trust_config.json").read_text())
        (work / "trusted_root.json").write_text(json.dumps(config["trustedRoot"]))
        bundles: list[dict[str, str]] = []
        for n in range(count):
            version, kind = KINDS[n % len(KINDS)]
            context = SigningContext.from_trust_config(
                config, now=utc_now(), rekor_version=int(version[1])
            )
            artifact = work / f"artifact-{n}.txt"
            artifact.write_bytes(b"bench verify artifact %d\n" % n)
            signer = Signer(context, token)  # a fresh key and certificate per bundle
            if kind == "blob":
                bundle = signer.sign_artifact(artifact.read_bytes())
            else:
                payload = statement(artifact.name, artifact.read_bytes())
                bundle = signer.sign_dsse("application/vnd.in-toto+json", payload)
            path = work / f"artifact-{n}.{version}-{kind}.sigstore.json"
            path.write_text(json.dumps(bundle))
            bundles.append(
                {
                    "bundle": str(path),
                    "artifact": str(artifact) if kind == "blob" else "",
                    "kind": f"Rekor {version} {kind}",
                }
            )
        issuer = f"{stack.url}/oidc"
    finally:
        stack.stop()
    return {
        "trusted_root": str(work / "trusted_root.json"),
        "identity": EMAIL,
        "issuer": issuer,
        "bundles": bundles,
    }


def time_sigstack(manifest: dict[str, Any], rounds: int) -> list[float]:
    """Seconds per bundle (parse + verify), ``rounds`` passes after one warm-up pass."""
    root = load_trusted_root(Path(manifest["trusted_root"]).read_bytes())
    verifier = Verifier(root, clock=utc_now)
    policy = Identity(manifest["identity"], manifest["issuer"])
    items = [
        (Path(b["bundle"]).read_bytes(), b["artifact"] and Path(b["artifact"]).read_bytes())
        for b in manifest["bundles"]
    ]

    def one(raw: bytes, artifact: bytes | str) -> None:
        bundle = load_bundle(raw)
        if isinstance(artifact, bytes):
            verifier.verify_artifact(bundle, artifact, policy)
        else:
            verifier.verify_dsse(bundle, policy)

    for raw, artifact in items:
        one(raw, artifact)
    times: list[float] = []
    for _ in range(rounds):
        for raw, artifact in items:
            t0 = time.perf_counter()
            one(raw, artifact)
            times.append(time.perf_counter() - t0)
    return times


def time_sigstore_python(work: Path, manifest: dict[str, Any], rounds: int) -> list[float]:
    """The same measurement in the sigstore-python venv (a child process)."""
    if not PEER_PYTHON.exists():
        raise SystemExit(f"sigstore-python is missing at {PEER_PYTHON}: run `make peers`")
    path = work / "manifest.json"
    path.write_text(json.dumps({**manifest, "rounds": rounds}))
    out = subprocess.run(
        [str(PEER_PYTHON), "-c", PEER_SCRIPT, str(path)],
        capture_output=True, text=True, check=False, cwd=work,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"sigstore-python's verification failed:\n{out.stderr[-3000:]}")
    seconds: list[float] = json.loads(out.stdout)["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=100, help="bundles (4 kinds in turn)")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per block")
    parser.add_argument("--blocks", type=int, default=3, help="alternations of the two")
    args = parser.parse_args()
    work = WORK / "verify"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    manifest = make_bundles(work, args.bundles)
    load = Path("/proc/loadavg").read_text().split()[0]
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.blocks):
        ours += time_sigstack(manifest, args.rounds)
        theirs += time_sigstore_python(work, manifest, args.rounds)
    load_after = Path("/proc/loadavg").read_text().split()[0]
    ours_ms = statistics.median(ours) * 1000, statistics.fmean(ours) * 1000
    theirs_ms = statistics.median(theirs) * 1000, statistics.fmean(theirs) * 1000
    print(f"machine: {machine()}")
    print(
        f"verify: {args.bundles} bundles (Rekor v1/v2 x blob/DSSE, one certificate each),"
        f" {args.blocks} alternating blocks of {args.rounds} timed passes after a warm-up pass;"
        f" parse + verify, identity policy; load average before: {load}, after: {load_after}"
    )
    print(
        f"  sigstack Verifier:        median {ours_ms[0]:.2f} ms, mean {ours_ms[1]:.2f} ms/bundle"
    )
    print(
        f"  sigstore-python Verifier: median {theirs_ms[0]:.2f} ms,"
        f" mean {theirs_ms[1]:.2f} ms/bundle (4.5.1)"
    )
    print(
        f"  ratio sigstore-python / sigstack: {theirs_ms[0] / ours_ms[0]:.1f}x (median),"
        f" {theirs_ms[1] / ours_ms[1]:.1f}x (mean)"
    )
    kinds = [b["kind"] for b in manifest["bundles"]]
    for kind in dict.fromkeys(kinds):
        mine = [t for i, t in enumerate(ours) if kinds[i % len(kinds)] == kind]
        peer = [t for i, t in enumerate(theirs) if kinds[i % len(kinds)] == kind]
        a, b = statistics.median(mine) * 1000, statistics.median(peer) * 1000
        print(f"    {kind}: sigstack {a:.2f} ms, sigstore-python {b:.2f} ms, {b / a:.1f}x")


if __name__ == "__main__":
    main()
