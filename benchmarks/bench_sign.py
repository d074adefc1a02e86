"""``sigstack sign-blob`` end to end against the local stack, token in hand.

Starts ``sigstack up`` and mints a one-hour token (``sigstack oidc token``), then runs the
``sigstack`` console script as a child process, ``sign-blob FILE --rekor-version V`` with
``SIGSTORE_IDENTITY_TOKEN`` set and ``SIGSTACK_HOME`` naming the stack (its
trust_config.json), a distinct file each time, timed from spawn to exit
(``perf_counter``): interpreter start, imports, key and CSR, CA (certificate with an SCT
from the CT log), TSA, log entry (durable, covered by a published checkpoint), bundle
written. Rekor v1 and v2, a few warm-up runs each, then ``--runs`` timed runs; p50/p90.

Byte-code: the child runs with a byte-code cache (``PYTHONPYCACHEPREFIX`` under .work,
written by the warm-up runs), as an installed package has; ``--no-bytecode-cache`` runs
it with ``PYTHONDONTWRITEBYTECODE=1`` and no cache (every module compiled each run).

For comparison: the in-process ``Signer`` (a fresh key and certificate per artifact, the
same three services), the start-up alone (``sign-blob --help``: interpreter, imports,
parser) and a bare interpreter start.

Usage: python benchmarks/bench_sign.py [--runs N] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import WORK, machine, percentile, start_local_stack

from sigstack.clock import utc_now
from sigstack.sign import Signer, SigningContext

EMAIL = "bench-sign@example.com"
SIGSTACK = Path(sys.executable).parent / "sigstack"


def summary(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label}: p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms,"
        f" mean {statistics.fmean(ms):.1f} ms, min {min(ms):.1f} ms ({len(ms)} runs)"
    )


def cli_runs(work: Path, env: dict[str, str], version: int, warmup: int, runs: int) -> list[float]:
    """Seconds per ``sigstack sign-blob`` process, each on a new file."""
    times: list[float] = []
    for n in range(warmup + runs):
        artifact = work / f"cli-v{version}-{n}.txt"
        artifact.write_bytes(b"bench sign-blob v%d run %d\n" % (version, n))
        command = [str(SIGSTACK), "sign-blob", str(artifact), "--rekor-version", str(version)]
        t0 = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"sign-blob failed ({done.returncode}):\n{done.stderr}")
        bundle = json.loads(artifact.with_name(artifact.name + ".sigstore.json").read_text())
        assert bundle["verificationMaterial"]["tlogEntries"], "no log entry in the bundle"
        if n >= warmup:
            times.append(elapsed)
    return times


def in_process_runs(config: dict[str, object], token: str, version: int, runs: int) -> list[float]:
    """Seconds per in-process signing: context, fresh Signer (key, certificate), bundle."""
    times: list[float] = []
    for n in range(runs + 3):
        t0 = time.perf_counter()
        context = SigningContext.from_trust_config(config, now=utc_now(), rekor_version=version)
        Signer(context, token).sign_artifact(b"in-process v%d run %d" % (version, n))
        if n >= 3:
            times.append(time.perf_counter() - t0)
    return times


def process_runs(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Seconds per run of ``command`` (output discarded)."""
    times: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per Rekor version")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    parser.add_argument(
        "--src",
        type=Path,
        help="run the CLI from this source tree (e.g. a worktree of an older"
        " commit, for before/after figures); the stack and the in-process Signer are this tree's",
    )
    args = parser.parse_args()
    work = WORK / "sign"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    stack, token = start_local_stack(work, EMAIL)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGSTORE_", "PYTHON"))}
        env |= {"SIGSTACK_HOME": str(stack.data_dir), "SIGSTORE_IDENTITY_TOKEN": token}
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve())
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
        load = Path("/proc/loadavg").read_text().split()[0]
        cli = {v: cli_runs(work, env, v, args.warmup, args.runs) for v in (1, 2)}
        config = json.loads((stack.data_dir / "trust_config.json").read_text())
        library = {v: in_process_runs(config, token, v, args.runs) for v in (1, 2)}
        startup = process_runs([str(SIGSTACK), "sign-blob", "--help"], env, 20)
        bare = process_runs([sys.executable, "-c", "pass"], env, 20)
        load_after = Path("/proc/loadavg").read_text().split()[0]
    finally:
        stack.stop()
    cache = "no byte-code cache" if args.no_bytecode_cache else "byte-code cached"
    if args.src is not None:
        cache += f"; CLI from {args.src}"
    print(f"machine: {machine()}")
    print(
        f"sign: `sigstack sign-blob FILE --rekor-version V` as a child process against"
        f" `sigstack up` ({cache}; token in SIGSTORE_IDENTITY_TOKEN); load average before:"
        f" {load}, after: {load_after}"
    )
    for version in (1, 2):
        print(summary(f"CLI, Rekor v{version}", cli[version]))
    for version in (1, 2):
        print(summary(f"in-process Signer, Rekor v{version}", library[version]))
    print(summary("start-up only: `sigstack sign-blob --help` (imports, parser)", startup))
    print(summary("bare interpreter start (python -c pass)", bare))


if __name__ == "__main__":
    main()
