"""Run every benchmark in turn (``make bench``); paste the output into docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    print(f"# sigstack benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    for script in (
        "bench_integrate.py",
        "bench_proofs.py",
        "bench_http_write.py",
        "bench_ca.py",
        "bench_tsa.py",
        "bench_verify.py",
        "bench_sign.py",
        "bench_image_verify.py",
        "bench_admission.py",
    ):
        print(f"\n## {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True, cwd=HERE)


if __name__ == "__main__":
    main()
