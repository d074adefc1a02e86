"""Shared helpers for the benchmarks: machine description, percentiles, a server process."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from sigstack.testing.server import start_log_server

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
