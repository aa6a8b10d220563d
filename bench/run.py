"""Run every benchmark (``make bench``). Each prints its figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["scenario_speed.py", "ingest_throughput.py", "trace_speed.py"]


def main() -> None:
    args = sys.argv[1:]
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / name), *args], check=True)


if __name__ == "__main__":
    main()
