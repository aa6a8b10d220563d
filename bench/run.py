"""Run every benchmark (``make bench``), or one: ``python bench/run.py trace_speed [ARGS]``.

Each prints its figures and the ratios to the alternatives measured in the same run.
Benchmarks that need ``../shared/data`` (the real sanctions lists) say so and are skipped
when it is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "scenario_speed.py",
    "ingest_throughput.py",
    "trace_speed.py",
    "trace_cli.py",
    "exposure_speed.py",
    "screening_accuracy.py",
    "itw_accuracy.py",
    "itw_speed.py",
]


def main() -> None:
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        name = args.pop(0).removesuffix(".py") + ".py"
        if name not in BENCHMARKS:
            sys.exit(f"unknown benchmark {name}; one of {', '.join(BENCHMARKS)}")
        subprocess.run([sys.executable, str(HERE / name), *args], check=True)
        return
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / name), *args], check=True)


if __name__ == "__main__":
    main()
