"""Shared helpers for the benchmarks: machine description, percentiles, a server process,
one wrk run parsed."""

from __future__ import annotations

import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sigstack.testing.server import start_log_server
from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack

WORK = Path(__file__).parent / ".work"


def machine() -> str:
    """One line describing this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def start_server(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """``sigstack serve log`` on a free port; returns the process and its URL once healthy."""
    server = start_log_server(data_dir, None, *extra, timeout=120)
    return server.process, server.url


def start_local_stack(work: Path, email: str) -> tuple[ServiceProcess, str]:
    """``sigstack up`` in ``work/data`` on a free port, and a one-hour identity token for
    ``email`` from its OIDC issuer (``sigstack oidc token``). Stop the stack when done."""
    stack = start_stack(work / "data", output=work / "up.log", timeout=120)
    try:
        token = subprocess.run(
            [sys.executable, "-m", "sigstack", "oidc", "token", "--email", email,
             "--data-dir", str(stack.data_dir), "--lifetime", "3600"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except BaseException:
        stack.stop()
        raise
    return stack, token


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        kids.extend(int(k) for k in text)
    return kids


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process and all its children, in MB."""
    now = peak = 0.0
    for proc in [pid, *_children(pid)]:
        for line in Path(f"/proc/{proc}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now += int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak += int(line.split()[1]) / 1024
    return now, peak


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run reported, with its wall time and its own CPU time."""

    output: str
    elapsed: float  #: wall seconds, measured around the wrk process
    wrk_cpu: float  #: user + system seconds wrk itself used
    total: int  #: requests completed
    failed: int  #: non-2xx/3xx answers among them
    latency: tuple[str, str, str] | None  #: wrk's latency avg, stdev, max

    @property
    def ok(self) -> int:
        """Requests answered 2xx/3xx."""
        return self.total - self.failed

    def latency_line(self) -> str:
        """``  latency avg …, stdev …, max …`` (empty when wrk printed none)."""
        if self.latency is None:
            return ""
        avg, stdev, top = self.latency
        return f"  latency avg {avg}, stdev {stdev}, max {top}"


def wrk_binary() -> str:
    """The wrk executable; exit with what to run when it is missing."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run `make system-deps` (apt-get install wrk)")
    return wrk


def run_wrk(
    *,
    threads: int,
    connections: int,
    seconds: int,
    script: Path,
    url: str,
    script_args: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> WrkRun:
    """Run ``wrk -t -c -d --timeout 10s -s SCRIPT URL [-- ARGS]`` and parse its summary."""
    command = [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(script), url]  # fmt: skip
    if script_args:
        command += ["--", *script_args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, env=dict(env) if env else None
    ).stdout
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = re.search(r"(\d+) requests in", out)
    if total is None:
        raise SystemExit(f"cannot read wrk's summary:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    return WrkRun(
        output=out,
        elapsed=elapsed,
        wrk_cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        total=int(total.group(1)),
        failed=int(non2xx.group(1)) if non2xx else 0,
        latency=(latency.group(1), latency.group(2), latency.group(3)) if latency else None,
    )
